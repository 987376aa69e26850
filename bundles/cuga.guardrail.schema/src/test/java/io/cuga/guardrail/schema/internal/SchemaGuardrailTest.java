package io.cuga.guardrail.schema.internal;

import static io.cuga.guardrail.schema.internal.Yaml.list;
import static io.cuga.guardrail.schema.internal.Yaml.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

class SchemaGuardrailTest {

    private final SchemaGuardrail guardrail = new SchemaGuardrail();

    private Guardrail.Rules compile(Map<String, Object> section) throws PolicyException {
        return guardrail.compile(section, "default");
    }

    private static Map<String, Object> calculator() {
        return map("type", "object",
            "properties", map("expression", map("type", "string", "maxLength", 200)),
            "required", list("expression"));
    }

    private static final Map<String, Object> POLICY = map("tools", map("calculator", calculator(), "sample_echo", "tool"));

    @Test
    void withoutASchemaEveryCallPasses() throws Exception {
        assertThat(compile(null).check(Call.of("calculator").args(map("anything", 1)))).isEqualTo(Decision.allow());
        assertThat(compile(map()).check(Call.of("calculator"))).isEqualTo(Decision.allow());
        // "tool": the tool's own schema, which the dispatcher enforces already
        assertThat(compile(POLICY).check(Call.of("sample_echo").args(map("x", list(1, 2))))).isEqualTo(Decision.allow());
    }

    @Test
    void theLengthBoundaryIsExact() throws Exception {
        Guardrail.Rules rules = compile(POLICY);
        assertThat(rules.check(Call.of("calculator").args(map("expression", "1".repeat(200)))).verdict())
            .isEqualTo(Verdict.ALLOW);
        Decision d = rules.check(Call.of("calculator").args(map("expression", "1".repeat(201))));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.guardrail()).isEqualTo("schema");
        assertThat(d.rule()).isEqualTo("tools/calculator");
        assertThat(d.reason()).startsWith("argument 'expression' of tool 'calculator' fails the policy's schema: ")
            .contains("200");
        assertThat(d.details()).containsEntry("field", "expression");
    }

    @Test
    void unknownArgumentsAreRefusedUnlessTheSchemaAllowsThem() throws Exception {
        Decision d = compile(POLICY).check(Call.of("calculator").args(map("expression", "1", "debug", true)));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.details()).containsEntry("field", "debug");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> violations = (List<Map<String, Object>>) d.details().get("violations");
        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v).containsEntry("path", "/debug").containsEntry("keyword", "additionalProperties");
        });

        Map<String, Object> open = calculator();
        open.put("additionalProperties", true);
        assertThat(compile(map("tools", map("calculator", open))).check(Call.of("calculator")
            .args(map("expression", "1", "debug", true))).verdict()).isEqualTo(Verdict.ALLOW);
        Map<String, Object> unevaluated = calculator();
        unevaluated.put("unevaluatedProperties", map("type", "boolean"));
        assertThat(compile(map("tools", map("calculator", unevaluated))).check(Call.of("calculator")
            .args(map("expression", "1", "debug", true))).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void aMissingRequiredArgumentIsNamed() throws Exception {
        Decision d = compile(POLICY).check(Call.of("calculator").args(map()));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.details()).containsEntry("field", "expression");
    }

    @Test
    void nestedViolationsNameTheirPath() throws Exception {
        Map<String, Object> schema = map("type", "object", "properties", map(
            "options", map("type", "object", "properties", map("depth", map("type", "integer", "maximum", 3))),
            "items", map("type", "array", "items", map("type", "string"))));
        Guardrail.Rules rules = compile(map("tools", map("search", schema)));
        Decision deep = rules.check(Call.of("search").args(map("options", map("depth", 4))));
        assertThat(deep.details()).containsEntry("field", "options/depth");
        assertThat(deep.reason()).startsWith("argument 'options/depth' of tool 'search'");
        Decision item = rules.check(Call.of("search").args(map("items", list("a", "b", 3))));
        assertThat(item.details()).containsEntry("field", "items/2");
        assertThat(rules.check(Call.of("search").args(map("options", map("depth", 3)))).verdict()).isEqualTo(Verdict.ALLOW);
        // the nested objects are strict too only when the schema says so: the default applies to the top level
        assertThat(rules.check(Call.of("search").args(map("options", map("depth", 1, "x", 1)))).verdict())
            .isEqualTo(Verdict.ALLOW);
    }

    @Test
    void severalViolationsAreCountedInTheReason() throws Exception {
        Decision d = compile(POLICY).check(Call.of("calculator").args(map("expression", 5, "a", 1, "b", 2)));
        assertThat(d.reason()).endsWith("(and 2 more)");
    }

    @Test
    void compileErrorsNameTheirPath() {
        refused(map("tool", map()), "/tool", "unknown key 'tool'; expected one of tools");
        refused(map("tools", list()), "/tools", "tools must be an object, not a list");
        refused(map("tools", map("bad name", "tool")), "/tools/bad name", "'bad name' is not a tool name");
        refused(map("tools", map("calculator", "own")), "/tools/calculator",
            "a tool's schema must be a JSON Schema object or the string \"tool\", not 'own'");
        refused(map("tools", map("calculator", 3)), "/tools/calculator", "not a number");
        refused(map("tools", map("calculator", map("type", "array"))), "/tools/calculator/type",
            "type must be \"object\"");
        refused(map("tools", map("calculator", map("properties", map("expression", map("maxLength", "long"))))),
            "/tools/calculator/properties/expression/maxLength", "not a valid JSON Schema 2020-12");
        refused(map("tools", map("calculator", map("required", "expression"))), "/tools/calculator/required",
            "not a valid JSON Schema 2020-12");
        refused(map("tools", map("calculator", map("properties", map("x", map("$ref", "https://example.com/x.json"))))),
            "/tools/calculator", "the schema cannot be compiled");
        refused(map("tools", map("calculator", map("properties", map("x", map("type", "string", "pattern", "("))))),
            "/tools/calculator", "the schema cannot be compiled (references outside it are never fetched): "
                + "java.util.regex.PatternSyntaxException");
    }

    @Test
    void localReferencesWork() throws Exception {
        Map<String, Object> schema = map("$defs", map("short", map("type", "string", "maxLength", 3)),
            "properties", map("x", map("$ref", "#/$defs/short")));
        Guardrail.Rules rules = compile(map("tools", map("t", schema)));
        assertThat(rules.check(Call.of("t").args(map("x", "abc"))).verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(rules.check(Call.of("t").args(map("x", "abcd"))).details()).containsEntry("field", "x");
    }

    private void refused(Map<String, Object> section, String path, String message) {
        assertThatThrownBy(() -> compile(section)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void aChildMayAddOrReplaceSchemasButNotDropThem() throws Exception {
        Guardrail.Rules parent = compile(POLICY);
        compile(map("tools", map("calculator", calculator(), "sample_echo", map("properties", map())))).checkTightens(parent);
        Map<String, Object> other = map("properties", map("expression", map("type", "string", "maxLength", 50)));
        compile(map("tools", map("calculator", other))).checkTightens(parent);
        assertThatThrownBy(() -> compile(map("tools", map("calculator", "tool"))).checkTightens(parent))
            .isInstanceOfSatisfying(PolicyException.class, e -> {
                assertThat(e.path()).isEqualTo("/tools/calculator");
                assertThat(e.getMessage()).contains("not drop it back to the tool's own");
            });
        assertThatThrownBy(() -> compile(map()).checkTightens(parent))
            .isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.path()).isEqualTo("/tools/calculator"));
    }

    @Test
    void theParentMustBeASchemaSection() {
        assertThatThrownBy(() -> compile(map()).checkTightens(new Guardrail.Rules() {
            @Override
            public Decision check(io.cuga.api.guardrail.GuardedCall call) {
                return Decision.allow();
            }

            @Override
            public void checkTightens(Guardrail.Rules parent) {
            }
        })).isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.path()).isEmpty());
    }

    @Test
    void compiledRulesValidateConcurrently() throws Exception {
        Guardrail.Rules rules = compile(POLICY);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    int denied = 0;
                    for (int i = 0; i < 2_000; i++) {
                        Map<String, Object> args = i % 2 == 0 ? map("expression", "1+" + i) : map("expression", "x".repeat(201));
                        if (rules.check(Call.of("calculator").args(args)).verdict() == Verdict.DENY) {
                            denied++;
                        }
                    }
                    return denied;
                });
            }
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isEqualTo(1_000);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
