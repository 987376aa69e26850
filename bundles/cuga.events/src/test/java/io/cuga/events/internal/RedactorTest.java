package io.cuga.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;

class RedactorTest {

    static final Redactor DEFAULTS = new Redactor(Redactor.DEFAULT_KEYS);

    static Event event(Map<String, Object> attributes) {
        return new Event("tool.call.complete", Instant.parse("2026-11-27T10:00:00Z"), "0af7651916cd43dd8448eb211c80319c",
            "default", "s1", "ok", 1234, attributes);
    }

    @Test
    void everyDefaultKeyIsRedactedWhateverItsValue() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (String key : Redactor.DEFAULT_KEYS) {
            attributes.put(key, key.length() % 2 == 0 ? "s3cr3t-" + key : Map.of("nested", key));
        }
        attributes.put("tool", "calculator");
        Event redacted = DEFAULTS.redact(event(attributes));
        for (String key : Redactor.DEFAULT_KEYS) {
            assertThat(redacted.attributes().get(key)).as(key).isEqualTo(Redactor.REDACTED);
        }
        assertThat(redacted.attributes().get("tool")).isEqualTo("calculator");
        assertThat(redacted.attributes().keySet()).containsExactlyElementsOf(attributes.keySet());
        // the other fields travel unchanged
        assertThat(redacted.type()).isEqualTo("tool.call.complete");
        assertThat(redacted.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(redacted.durationNanos()).isEqualTo(1234);
        assertThat(redacted.session()).isEqualTo("s1");
    }

    @Test
    void keysMatchIgnoringCaseAndSeparatorsAndAsSuffixes() {
        for (String key : List.of("PASSWORD", "Password", "apiKey", "API-KEY", "X-Api-Key", "openai_api_key",
            "db.password", "Authorization", "Proxy-Authorization", "Set-Cookie", "githubToken", "client_secret",
            "clientSecret", "AWS_ACCESS_KEY", "ssh private key", "session_token")) {
            assertThat(DEFAULTS.sensitive(key)).as(key).isTrue();
        }
        for (String key : List.of("tool", "callId", "max_tokens", "prompt_tokens", "tokens", "keyboard", "author",
            "secretary", "passwords_changed", "cookies_enabled", "expression", "")) {
            assertThat(DEFAULTS.sensitive(key)).as(key).isFalse();
        }
    }

    @Test
    void nestedMapsAndListsAreRedactedToAnyDepthAndTheOriginalIsUntouched() {
        Map<String, Object> credentials = new LinkedHashMap<>();
        credentials.put("user", "alice");
        credentials.put("Password", "hunter2");
        List<Object> headers = new ArrayList<>();
        headers.add(Map.of("name", "Accept", "value", "*/*"));
        headers.add(Map.of("Authorization", "Bearer abc.def"));
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("expression", "1+2");
        arguments.put("credentials", credentials);
        arguments.put("headers", headers);
        arguments.put("matrix", List.of(List.of(Map.of("api_key", "sk-live-1")), "plain"));
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("tool", "http_get");
        attributes.put("arguments", arguments);

        Event redacted = DEFAULTS.redact(event(attributes));

        @SuppressWarnings("unchecked")
        Map<String, Object> args = (Map<String, Object>) redacted.attributes().get("arguments");
        assertThat(args.get("expression")).isEqualTo("1+2");
        assertThat(args.get("credentials")).isEqualTo(Map.of("user", "alice", "Password", Redactor.REDACTED));
        assertThat(args.get("headers")).isEqualTo(List.of(Map.of("name", "Accept", "value", "*/*"),
            Map.of("Authorization", Redactor.REDACTED)));
        assertThat(args.get("matrix")).isEqualTo(List.of(List.of(Map.of("api_key", Redactor.REDACTED)), "plain"));
        assertThat(redacted.toString()).doesNotContain("hunter2", "abc.def", "sk-live-1");
        // the caller's maps are not changed
        assertThat(credentials.get("Password")).isEqualTo("hunter2");
        assertThat(headers.get(1)).isEqualTo(Map.of("Authorization", "Bearer abc.def"));
        // what needed no change is shared, not copied
        assertThat(args.get("headers")).isNotSameAs(headers);
        assertThat(((List<?>) args.get("headers")).get(0)).isSameAs(headers.get(0));
    }

    @Test
    void anEventWithNothingSensitiveIsReturnedAsItIs() {
        Event plain = event(Map.of("tool", "calculator", "callId", "c-1",
            "nested", Map.of("list", List.of(1, 2, Map.of("x", "y")))));
        assertThat(DEFAULTS.redact(plain)).isSameAs(plain);
        Event empty = event(Map.of());
        assertThat(DEFAULTS.redact(empty)).isSameAs(empty);
    }

    @Test
    void arraysAndNonStringKeysAreHandled() {
        Map<Object, Object> odd = new HashMap<>();
        odd.put(42, "answer");
        odd.put("token", "t");
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("array", new Object[] {Map.of("secret", "x"), "y"});
        attributes.put("odd", odd);
        Event redacted = DEFAULTS.redact(event(attributes));
        assertThat(redacted.attributes().get("array")).isEqualTo(List.of(Map.of("secret", Redactor.REDACTED), "y"));
        @SuppressWarnings("unchecked")
        Map<Object, Object> seen = (Map<Object, Object>) redacted.attributes().get("odd");
        assertThat(seen).containsEntry(42, "answer").containsEntry("token", Redactor.REDACTED);
    }

    @Test
    void aCycleOrAVeryDeepValueIsCutOffInsteadOfOverflowing() {
        Map<String, Object> cycle = new HashMap<>();
        cycle.put("self", cycle);
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("cycle", cycle);
        Event redacted = DEFAULTS.redact(event(attributes));
        Object node = redacted.attributes().get("cycle");
        int depth = 0;
        while (node instanceof Map<?, ?> m) {
            node = m.get("self");
            depth++;
        }
        assertThat(node).isEqualTo(Redactor.REDACTED);
        assertThat(depth).isEqualTo(Redactor.MAX_DEPTH);
    }

    @Test
    void theKeyListIsConfigurable() {
        Redactor custom = new Redactor(List.of(" ssn ", "", "Iban"));
        assertThat(custom.keys()).containsExactly("ssn", "Iban");
        Event redacted = custom.redact(event(Map.of("customer_ssn", "123", "IBAN", "DE00", "password", "p")));
        assertThat(redacted.attributes()).containsEntry("customer_ssn", Redactor.REDACTED)
            .containsEntry("IBAN", Redactor.REDACTED).containsEntry("password", "p");
        Redactor none = new Redactor(List.of());
        Event event = event(Map.of("password", "p"));
        assertThat(none.redact(event)).isSameAs(event);
    }
}
