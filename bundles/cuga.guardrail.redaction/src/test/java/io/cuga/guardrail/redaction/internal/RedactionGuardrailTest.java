package io.cuga.guardrail.redaction.internal;

import static io.cuga.guardrail.redaction.internal.Yaml.list;
import static io.cuga.guardrail.redaction.internal.Yaml.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.redaction.KeyRedactor;
import io.cuga.api.guardrail.Redactor;

class RedactionGuardrailTest {

    private static final String MASK = "[REDACTED]";

    private final RedactionGuardrail guardrail = new RedactionGuardrail();

    private Redactor compile(Map<String, Object> section) throws PolicyException {
        Guardrail.Rules rules = guardrail.compile(section, "default");
        assertThat(rules).isInstanceOf(Redactor.class);
        return (Redactor) rules;
    }

    @Test
    void theDefaultKeysAreRedactedAtAnyDepthIgnoringCase() throws Exception {
        Redactor r = compile(null);
        Map<String, Object> value = map(
            "user", "alice",
            "Password", "hunter2",
            "headers", map("Authorization", "Bearer abc", "Accept", "application/json", "COOKIE", "sid=1"),
            "accounts", list(map("name", "a", "api-key", "k1"), map("name", "b", "ApiKey", "k2"), "plain"),
            "client_secret", map("nested", "whole object goes"),
            "tokens", 1234,
            "token_count", 5);
        assertThat(r.redact(value)).isEqualTo(map(
            "user", "alice",
            "Password", MASK,
            "headers", map("Authorization", MASK, "Accept", "application/json", "COOKIE", MASK),
            "accounts", list(map("name", "a", "api-key", MASK), map("name", "b", "ApiKey", MASK), "plain"),
            "client_secret", MASK,
            "tokens", 1234,
            "token_count", 5));
        // the input is not touched
        assertThat(value.get("Password")).isEqualTo("hunter2");
        assertThat(KeyRedactor.defaults().keys()).containsExactly("password", "passwd", "secret", "token", "api_key",
            "apikey", "authorization", "cookie", "private_key", "access_key", "client_secret");
    }

    @Test
    void scalarsAndNullsPassThrough() throws Exception {
        Redactor r = compile(map());
        assertThat(r.redact(null)).isNull();
        assertThat(r.redact("password")).isEqualTo("password");
        assertThat(r.redact(42)).isEqualTo(42);
        Map<Object, Object> odd = new HashMap<>();
        odd.put(null, "x");
        odd.put(7, "y");
        odd.put("secret", null);
        Map<Object, Object> expected = new HashMap<>();
        expected.put(null, "x");
        expected.put(7, "y");
        expected.put("secret", MASK);
        assertThat(r.redact(odd)).isEqualTo(expected);
        assertThat(r.isSecret(null)).isFalse();
        assertThat(r.isSecret("PRIVATE-KEY")).isTrue();
    }

    @Test
    void aPolicyListReplacesTheDefaults() throws Exception {
        Redactor r = compile(map("keys", list("ssn", "Card-Number")));
        assertThat(r.redact(map("ssn", "1", "card_number", "2", "password", "3")))
            .isEqualTo(map("ssn", MASK, "card_number", MASK, "password", "3"));
        assertThat(compile(map("keys", list())).redact(map("password", "x"))).isEqualTo(map("password", "x"));
    }

    @Test
    void veryDeepValuesAreMaskedBelowTheDepthLimitWithoutOverflowing() throws Exception {
        Object deep = "bottom";
        for (int i = 0; i < 100_000; i++) {
            deep = i % 2 == 0 ? list(deep) : map("k", deep);
        }
        Object redacted = compile(null).redact(deep);
        Object at = redacted;
        int depth = 0;
        while (at instanceof List || at instanceof Map) {
            at = at instanceof List ? ((List<?>) at).get(0) : ((Map<?, ?>) at).get("k");
            depth++;
        }
        assertThat(at).isEqualTo(MASK);
        assertThat(depth).isEqualTo(256);
    }

    @Test
    void checkAllowsEveryCall() throws Exception {
        Guardrail.Rules rules = guardrail.compile(null, "default");
        assertThat(rules.check(Call.of("x").args(map("password", "p")))).isEqualTo(Decision.allow());
        assertThat(rules.check(Call.of("x").dry())).isEqualTo(Decision.allow());
    }

    @Test
    void compileErrorsNameTheirPath() {
        refused(map("key", list()), "/key", "unknown key 'key'; expected one of keys");
        refused(map("keys", "password"), "/keys", "keys must be a list of strings, not a string");
        refused(map("keys", list("password", 3)), "/keys/1", "keys entries must be non-empty strings, not a number");
        refused(map("keys", list(map())), "/keys/0", "keys entries must be non-empty strings, not an object");
    }

    private void refused(Map<String, Object> section, String path, String message) {
        assertThatThrownBy(() -> guardrail.compile(section, "default")).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void keysMayOnlyGrow() throws Exception {
        Guardrail.Rules parent = guardrail.compile(map("keys", list("password", "api_key")), "base");
        guardrail.compile(map("keys", list("PASSWORD", "Api-Key", "ssn")), "team").checkTightens(parent);
        guardrail.compile(null, "team").checkTightens(parent); // the defaults hold both
        assertThatThrownBy(() -> guardrail.compile(map("keys", list("password")), "team").checkTightens(parent))
            .isInstanceOfSatisfying(PolicyException.class, e -> {
                assertThat(e.path()).isEqualTo("/keys");
                assertThat(e.getMessage()).isEqualTo("the parent redacts 'api_key': a profile may add keys, not remove them");
            });
        assertThatThrownBy(() -> guardrail.compile(null, "team").checkTightens(new Guardrail.Rules() {
            @Override
            public Decision check(io.cuga.api.guardrail.GuardedCall call) {
                return Decision.allow();
            }

            @Override
            public void checkTightens(Guardrail.Rules p) {
            }
        })).isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.path()).isEmpty());
    }

    @Test
    void oneRedactorServesConcurrentCallers() throws Exception {
        Redactor r = compile(null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int n = t;
                tasks.add(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        Object out = r.redact(map("token", "t" + i, "id", n * 10_000 + i));
                        if (!out.equals(map("token", MASK, "id", n * 10_000 + i))) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            for (Future<Boolean> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
