package io.cuga.guardrail.allowlist.internal;

import static io.cuga.guardrail.allowlist.internal.Yaml.list;
import static io.cuga.guardrail.allowlist.internal.Yaml.map;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;

class AllowlistGuardrailTest {

    private final AllowlistGuardrail guardrail = new AllowlistGuardrail();

    private Guardrail.Rules compile(Map<String, Object> section) throws PolicyException {
        return guardrail.compile(section, "default");
    }

    private static final Map<String, Object> POLICY = map(
        "allow", list("calculator", "sample_*", "http_*"),
        "deny", list("*_delete"),
        "bundles", list("cuga.tool.*"),
        "risk", map("http_request", "EXTERNAL", "calculator", "read"));

    @Test
    void withoutASectionNothingIsAllowed() throws Exception {
        for (Map<String, Object> empty : new ArrayList<Map<String, Object>>(java.util.Arrays.asList(null, map()))) {
            Decision d = compile(empty).check(Call.of("calculator"));
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.guardrail()).isEqualTo("allowlist");
            assertThat(d.rule()).isEqualTo("allow");
            assertThat(d.reason()).isEqualTo("tool 'calculator' matches no pattern of the allow list []");
        }
    }

    @Test
    void anAllowedToolFromAnAllowedBundlePassesAndCarriesItsRisk() throws Exception {
        Decision d = compile(POLICY).check(Call.of("sample_echo"));
        assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(d.details()).containsEntry("risk", "READ");
    }

    @Test
    void denyWinsOverAllowAndNamesThePattern() throws Exception {
        Decision d = compile(POLICY).check(Call.of("http_delete"));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.guardrail()).isEqualTo("allowlist");
        assertThat(d.rule()).isEqualTo("deny:*_delete");
        assertThat(d.reason()).isEqualTo("tool 'http_delete' matches the deny pattern '*_delete'");
    }

    @Test
    void aToolOutsideTheAllowListIsDenied() throws Exception {
        Decision d = compile(POLICY).check(Call.of("shell"));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.rule()).isEqualTo("allow");
        assertThat(d.reason()).contains("'shell'").contains("[calculator, sample_*, http_*]");
    }

    @Test
    void aToolFromABundleOutsideTheBundlesIsDenied() throws Exception {
        Decision d = compile(POLICY).check(Call.of("calculator").bundle("evil.tools"));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.rule()).isEqualTo("bundles");
        assertThat(d.reason()).isEqualTo("tool 'calculator' comes from bundle 'evil.tools', which matches no pattern "
            + "of the allowed bundles [cuga.tool.*]");
        // an empty bundle list allows no bundle at all
        Decision none = compile(map("allow", list("*"))).check(Call.of("calculator"));
        assertThat(none.rule()).isEqualTo("bundles");
    }

    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource({
        "sample_?,   sample_a,    true",
        "sample_?,   sample_ab,   false",
        "sample_?,   sample_,     false",
        "sample_*,   sample_,     true",
        "*,          x,           true",
        "calc*tor,   calculator,  true",
        "calc*tor,   calculators, false",
        "Calculator, calculator,  false",
        "a*b*c,      aXbYbZc,     true",
        "a*b*c,      aXbYbZ,      false",
        "cuga.tool.*, cugaXtool.x, false",
    })
    void globsMatchWholeNamesCaseSensitivelyWithLiteralDots(String glob, String name, boolean allowed) throws Exception {
        Guardrail.Rules rules = compile(map("allow", list(glob), "bundles", list("*")));
        assertThat(rules.check(Call.of(name)).verdict()).isEqualTo(allowed ? Verdict.ALLOW : Verdict.DENY);
        assertThat(GlobList.matches(glob, name)).isEqualTo(allowed);
    }

    @Test
    void theRiskOverrideRaisesButNeverLowersTheToolsOwnTier() throws Exception {
        Guardrail.Rules rules = compile(map("allow", list("*"), "bundles", list("*"),
            "risk", map("http_request", "EXTERNAL", "wipe", "read")));
        assertThat(rules.check(Call.of("http_request").risk(RiskTier.WRITE)).details()).containsEntry("risk", "EXTERNAL");
        assertThat(rules.check(Call.of("http_request").risk(RiskTier.FINANCIAL)).details()).containsEntry("risk", "FINANCIAL");
        assertThat(rules.check(Call.of("wipe").risk(RiskTier.DELETE)).details()).containsEntry("risk", "DELETE");
        assertThat(rules.check(Call.of("other").risk(RiskTier.WRITE)).details()).containsEntry("risk", "WRITE");
        // a denied call still states the tier (the chain may show it)
        Guardrail.Rules denyAll = compile(map("risk", map("x", "DELETE")));
        assertThat(denyAll.check(Call.of("x")).details()).containsEntry("risk", "DELETE");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
        unknown key      | /alow             | unknown key 'alow'; expected one of allow, deny, bundles, risk
        allow not list   | /allow            | allow must be a list of strings, not a string
        allow entry      | /allow/1          | allow entries must be non-empty strings, not a number
        deny empty       | /deny/0           | deny entries must be non-empty strings, not an empty string
        bundles null     | /bundles/0        | bundles entries must be non-empty strings, not null
        risk not map     | /risk             | risk must be an object, not a list
        risk tier        | /risk/http_get    | unknown risk tier 'SAFE'; expected one of READ, WRITE, EXTERNAL, DELETE, FINANCIAL
        risk type        | /risk/http_get    | a risk tier must be a string, not a number
        risk name        | /risk/bad name    | 'bad name' is not a tool name (letters, digits, _ and -, 1 to 64)
        risk slash       | /risk/a~1b        | 'a/b' is not a tool name (letters, digits, _ and -, 1 to 64)
        """)
    void compileRefusesWhatItDoesNotUnderstandNamingThePath(String which, String path, String message) {
        Map<String, Object> section = switch (which) {
            case "unknown key" -> map("alow", list("x"));
            case "allow not list" -> map("allow", "calculator");
            case "allow entry" -> map("allow", list("a", 3));
            case "deny empty" -> map("deny", list(" "));
            case "bundles null" -> map("bundles", list((Object) null));
            case "risk not map" -> map("risk", list("x"));
            case "risk tier" -> map("risk", map("http_get", "SAFE"));
            case "risk type" -> map("risk", map("http_get", 3));
            case "risk name" -> map("risk", map("bad name", "READ"));
            case "risk slash" -> map("risk", map("a/b", "READ"));
            default -> throw new IllegalArgumentException(which);
        };
        assertThatThrownBy(() -> compile(section)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    // --- tightening ---

    private void tightens(Map<String, Object> child, Map<String, Object> parent) throws PolicyException {
        compile(child).checkTightens(compile(parent));
    }

    private void loosens(Map<String, Object> child, Map<String, Object> parent, String path, String messagePart) {
        assertThatThrownBy(() -> tightens(child, parent)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }

    @Test
    void aChildMayNarrowTheAllowList() throws Exception {
        tightens(map("allow", list("calculator", "http_get", "sample_e*", "http_*"), "deny", list("*_delete"),
            "bundles", list("cuga.tool.calculator"), "risk", map("http_request", "FINANCIAL", "calculator", "READ")), POLICY);
        tightens(map("allow", list(), "deny", list("*_delete", "sample_*"), "risk", POLICY.get("risk")), POLICY);
        tightens(POLICY, POLICY);
    }

    @Test
    void aChildMayNotWidenTheAllowList() {
        loosens(map("allow", list("calculator", "shell"), "deny", list("*_delete")), POLICY, "/allow/1",
            "'shell' is not within the parent's allow list [calculator, sample_*, http_*]");
        loosens(map("allow", list("*"), "deny", list("*_delete")), POLICY, "/allow/0", "'*'");
        loosens(map("allow", list("x")), map(), "/allow/0", "'x'");
    }

    @Test
    void aQuestionMarkCannotCoverAStar() {
        // read literally, "a?" would match the string "a*"; but "a*" allows "abc", which "a?" does not
        loosens(map("allow", list("a*")), map("allow", list("a?")), "/allow/0", "'a*'");
        assertThat(GlobList.covers("a?", "a*")).isFalse();
        assertThat(GlobList.covers("a?", "a?")).isTrue();
        assertThat(GlobList.covers("a*", "a?")).isTrue();
        assertThat(GlobList.covers("a*", "a*b")).isTrue();
        assertThat(GlobList.covers("*b", "a*")).isFalse();
        assertThat(GlobList.covers("a*b*", "a*b")).isTrue();
        assertThat(GlobList.covers("a*c", "a*b")).isFalse();
        assertThat(GlobList.covers("??", "a?")).isTrue();
        assertThat(GlobList.covers("ab", "a?")).isFalse();
    }

    @Test
    void theDenyListMayOnlyGrow() throws Exception {
        loosens(map("allow", list("calculator")), POLICY, "/deny", "the parent denies '*_delete'");
        // a broader deny covers the parent's
        tightens(map("allow", list("calculator"), "deny", list("*")), map("allow", list("*"), "deny", list("file_delete")));
        loosens(map("allow", list("calculator"), "deny", list("file_*")), map("allow", list("*"), "deny", list("*_delete")),
            "/deny", "'*_delete'");
    }

    @Test
    void bundlesMayOnlyShrink() {
        loosens(map("deny", list("*_delete"), "bundles", list("cuga.tool.*", "acme.*")), POLICY, "/bundles/1",
            "'acme.*' is not within the parent's bundles [cuga.tool.*]");
    }

    @Test
    void riskTiersMayOnlyRise() {
        loosens(map("deny", list("*_delete"), "bundles", list(), "risk", map("http_request", "WRITE", "calculator", "READ")), POLICY,
            "/risk/http_request", "may only raise a risk tier, not lower it to WRITE");
        loosens(map("deny", list("*_delete"), "risk", map("calculator", "READ")), POLICY,
            "/risk/http_request", "not drop it");
    }

    @Test
    void theParentMustBeAnAllowlist() {
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
    void compiledRulesAreSafeForConcurrentCalls() throws Exception {
        Guardrail.Rules rules = compile(POLICY);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    int allowed = 0;
                    for (int i = 0; i < 10_000; i++) {
                        String name = (i % 3 == 0) ? "sample_" + i : (i % 3 == 1) ? "x_delete" : "nope" + i;
                        if (rules.check(Call.of(name)).verdict() == Verdict.ALLOW) {
                            allowed++;
                        }
                    }
                    return allowed;
                });
            }
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isEqualTo(3334);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
