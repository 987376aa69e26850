package io.cuga.exporter.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;

class SpanMapperTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALL = "0af7651916cd43dd8448eb211c80319c";
    static final String CALLER_SPAN = "00f067aa0ba902b7";
    static final Instant STARTED = Instant.parse("2026-11-27T10:15:30.000000100Z");

    static Map<String, Object> guardrail(String name, String verdict, String rule, long offset, long duration) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("guardrail", name);
        g.put("verdict", verdict);
        g.put("rule", rule);
        g.put("reason", verdict.equals("ALLOW") ? "" : "host 169.254.169.254 is not allowed");
        g.put("offsetNanos", offset);
        g.put("durationNanos", duration);
        return g;
    }

    static Event complete(Map<String, Object> extra) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("tool", "calculator");
        a.put("callId", CALL);
        a.put("caller", "agent");
        a.put("verdict", "ALLOW");
        a.put("guardrail", "redaction");
        a.put("startedAt", STARTED.toString());
        a.put("parentSpanId", CALLER_SPAN);
        a.put("risk", "READ");
        a.put("bundle", "cuga.tool.calculator");
        a.put("bundleVersion", "1.0.0.SNAPSHOT");
        a.put("guardrails", List.of(guardrail("allowlist", "ALLOW", "", 1_000, 2_000),
            guardrail("schema", "ALLOW", "", 4_000, 3_000)));
        a.putAll(extra);
        return new Event("tool.call.complete", STARTED.plusMillis(9), TRACE, "default", "s-1", "ok", 5_000_000, a);
    }

    static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void aModelCallIsAChatSpanNamedAfterItsModelWithTheTokensItUsed() {
        SpanSpec span = new SpanMapper(false, 4096).map(complete(Map.of("tool", "model_chat", "model", "gpt-test",
            "inputTokens", 120, "outputTokens", 30L)));

        assertThat(span.name()).isEqualTo("chat gpt-test");
        assertThat(span.parentSpanId()).isEqualTo(CALLER_SPAN);
        Map<String, Object> attributes = new LinkedHashMap<>();
        span.attributes().forEach((k, v) -> attributes.put(k.getKey(), v));
        assertThat(attributes).containsEntry("gen_ai.operation.name", "chat")
            .containsEntry("gen_ai.request.model", "gpt-test")
            .containsEntry("gen_ai.usage.input_tokens", 120L)
            .containsEntry("gen_ai.usage.output_tokens", 30L);

        // without a model name the span is plain "chat"; another tool's tokens make no chat span
        assertThat(new SpanMapper(false, 4096).map(complete(Map.of("tool", "model_chat"))).name())
            .isEqualTo("chat");
        SpanSpec tool = new SpanMapper(false, 4096).map(complete(Map.of("model", "x", "inputTokens", 5)));
        assertThat(tool.name()).isEqualTo("execute_tool calculator");
        Map<String, Object> toolAttributes = new LinkedHashMap<>();
        tool.attributes().forEach((k, v) -> toolAttributes.put(k.getKey(), v));
        assertThat(toolAttributes).doesNotContainKey("gen_ai.request.model");
    }

    @Test
    void aCompletedCallIsAnExecuteToolSpanWithTheCallersSpanAsParentAndItsGuardrailsAsChildren() {
        SpanSpec span = new SpanMapper(false, 4096).map(complete(Map.of()));

        assertThat(span.name()).isEqualTo("execute_tool calculator");
        assertThat(span.traceId()).isEqualTo(TRACE);
        assertThat(span.spanId()).isEqualTo(CALL.substring(0, 16));
        assertThat(span.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(span.startEpochNanos()).isEqualTo(nanos(STARTED));
        assertThat(span.endEpochNanos()).isEqualTo(nanos(STARTED) + 5_000_000);
        assertThat(span.error()).isFalse();
        Map<String, Object> attributes = new LinkedHashMap<>();
        span.attributes().forEach((k, v) -> attributes.put(k.getKey(), v));
        assertThat(attributes).containsEntry("gen_ai.operation.name", "execute_tool")
            .containsEntry("gen_ai.tool.name", "calculator")
            .containsEntry("gen_ai.tool.call.id", CALL)
            .containsEntry("gen_ai.tool.type", "function")
            .containsEntry("cuga.call.status", "ok")
            .containsEntry("cuga.profile", "default")
            .containsEntry("cuga.session", "s-1")
            .containsEntry("cuga.caller", "agent")
            .containsEntry("cuga.tool.risk", "READ")
            .containsEntry("cuga.tool.bundle", "cuga.tool.calculator")
            .containsEntry("cuga.decision.verdict", "ALLOW")
            .doesNotContainKey("error.type");

        assertThat(span.children()).extracting(SpanSpec::name)
            .containsExactly("apply_guardrail allowlist", "apply_guardrail schema");
        SpanSpec schema = span.children().get(1);
        assertThat(schema.traceId()).isEqualTo(TRACE);
        assertThat(schema.parentSpanId()).isEqualTo(span.spanId());
        assertThat(schema.spanId()).isEqualTo(SpanIds.ofGuardrail(CALL, "schema")).matches("[0-9a-f]{16}")
            .isNotEqualTo(span.children().get(0).spanId()).isNotEqualTo(span.spanId());
        assertThat(schema.startEpochNanos()).isEqualTo(nanos(STARTED) + 4_000);
        assertThat(schema.endEpochNanos()).isEqualTo(nanos(STARTED) + 7_000);
        assertThat(schema.attributes().asMap()).hasSize(3);
        assertThat(schema.error()).isFalse();
    }

    @Test
    void theSameCallAlwaysGetsTheSameIdsSoTheHttpToolCanPropagateThem() {
        SpanSpec a = new SpanMapper(false, 4096).map(complete(Map.of()));
        SpanSpec b = new SpanMapper(true, 10).map(complete(Map.of()));
        assertThat(b.spanId()).isEqualTo(a.spanId());
        assertThat(b.children()).extracting(SpanSpec::spanId)
            .containsExactlyElementsOf(a.children().stream().map(SpanSpec::spanId).toList());
    }

    @Test
    void aDeniedCallIsAnErrorWithItsErrorTypeAndTheDenyingGuardrailIsAnErrorToo() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("tool", "http_get");
        a.put("callId", CALL);
        a.put("verdict", "DENY");
        a.put("guardrail", "egress");
        a.put("rule", "address");
        a.put("error", "policy_denied");
        a.put("startedAt", STARTED.toString());
        a.put("guardrails", List.of(guardrail("allowlist", "ALLOW", "", 0, 10),
            guardrail("egress", "DENY", "address", 20, 30)));
        SpanSpec span = new SpanMapper(false, 4096).map(new Event("tool.call.error", STARTED, TRACE, "default", "",
            "denied", 1_000, a));

        assertThat(span.error()).isTrue();
        assertThat(span.statusMessage()).isEqualTo("policy_denied");
        assertThat(span.attributes().asMap().toString()).contains("error.type=policy_denied");
        assertThat(span.parentSpanId()).isNull(); // no caller span: the call is the root of its trace
        SpanSpec egress = span.children().get(1);
        assertThat(egress.error()).isTrue();
        assertThat(egress.statusMessage()).contains("169.254.169.254");
        Map<String, Object> attributes = new LinkedHashMap<>();
        egress.attributes().forEach((k, v) -> attributes.put(k.getKey(), v));
        assertThat(attributes).containsEntry("cuga.guardrail.name", "egress")
            .containsEntry("cuga.guardrail.verdict", "deny").containsEntry("cuga.guardrail.rule", "address")
            .containsEntry("error.type", "address").containsEntry("gen_ai.operation.name", "apply_guardrail");
        assertThat(span.children().get(0).error()).isFalse();
    }

    @Test
    void oneMapperGivesEveryCallItsOwnGuardrailDecisionsThoughItReusesThoseItSawBefore() {
        SpanMapper mapper = new SpanMapper(false, 4096);
        Map<String, Object> first = guardrail("egress", "DENY", "address", 0, 10);
        Map<String, Object> second = new LinkedHashMap<>(first);
        second.put("reason", "host 10.0.0.1 is not allowed");
        Map<String, Object> third = guardrail("egress", "ALLOW", "", 0, 10);

        SpanSpec a = mapper.map(complete(Map.of("guardrails", List.of(first)))).children().get(0);
        SpanSpec b = mapper.map(complete(Map.of("guardrails", List.of(second)))).children().get(0);
        SpanSpec c = mapper.map(complete(Map.of("guardrails", List.of(third)))).children().get(0);
        SpanSpec again = mapper.map(complete(Map.of("guardrails", List.of(first)))).children().get(0);

        assertThat(a.statusMessage()).contains("169.254.169.254");
        assertThat(b.statusMessage()).contains("10.0.0.1");
        assertThat(b.attributes().asMap().toString()).contains("10.0.0.1").doesNotContain("169.254.169.254");
        assertThat(c.error()).isFalse();
        assertThat(c.attributes().asMap().toString()).contains("cuga.guardrail.verdict=allow")
            .doesNotContain("error.type", "cuga.guardrail.reason");
        assertThat(again.attributes()).isEqualTo(a.attributes());
        assertThat(again.name()).isEqualTo("apply_guardrail egress");
        assertThat(again.spanId()).isEqualTo(a.spanId());
    }

    @Test
    void startTimesAreReadAsInstantParseReadsThemAndOtherShapesAreLeftToIt() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(0, 253_402_300_800L), random.nextInt(4) == 0 ? 0
                : random.nextInt(3) == 0 ? random.nextInt(1000) * 1_000_000 : random.nextInt(1_000_000_000));
            String text = instant.toString();
            assertThat(SpanMapper.epochNanos(text)).as(text).isEqualTo(nanos(instant));
        }
        assertThat(SpanMapper.epochNanos("2024-02-29T23:59:59.5Z")).isEqualTo(nanos(Instant.parse(
            "2024-02-29T23:59:59.5Z")));
        for (String other : List.of("2023-02-29T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T1x:00:00Z",
            "2026-11-27T10:15:30.Z", "2026-11-27T10:15:30.1234567890Z", "2026-11-27 10:15:30Z",
            "+12026-11-27T10:15:30Z", "2026-11-27T10:15:60Z", "1969-12-31T23:59:59Z", "2026-11-27T10:15:30+01:00")) {
            assertThat(SpanMapper.epochNanos(other)).as(other).isEqualTo(Long.MIN_VALUE);
        }
        // a start the fast path leaves alone still counts when Instant.parse reads it
        Event leap = complete(Map.of("startedAt", "1969-12-31T23:59:59Z"));
        assertThat(new SpanMapper(false, 4096).map(leap).startEpochNanos()).isEqualTo(-1_000_000_000L);
    }

    @Test
    void argumentsAndResultsAreOnSpansOnlyWhenCaptureIsOnAndThenCut() {
        Map<String, Object> content = Map.of("arguments", Map.of("expression", "6*7"), "result", "x".repeat(100));
        SpanSpec off = new SpanMapper(false, 4096).map(complete(content));
        assertThat(off.attributes().asMap().keySet()).extracting(Object::toString)
            .doesNotContain("gen_ai.tool.call.arguments", "gen_ai.tool.call.result");
        assertThat(off.attributes().asMap().values().toString()).doesNotContain("6*7");

        SpanSpec on = new SpanMapper(true, 32).map(complete(content));
        Map<String, Object> attributes = new LinkedHashMap<>();
        on.attributes().forEach((k, v) -> attributes.put(k.getKey(), v));
        assertThat(attributes).containsEntry("gen_ai.tool.call.arguments", "{\"expression\":\"6*7\"}");
        assertThat((String) attributes.get("gen_ai.tool.call.result")).hasSize(33).endsWith("…");
    }

    @Test
    void withoutAStartTimeTheSpanEndsWhenTheEventWasMade() {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("startedAt", "not a time");
        SpanSpec span = new SpanMapper(false, 4096).map(complete(extra));
        assertThat(span.endEpochNanos()).isEqualTo(nanos(STARTED.plusMillis(9)));
        assertThat(span.startEpochNanos()).isEqualTo(nanos(STARTED.plusMillis(9)) - 5_000_000);
    }

    @Test
    void anAgentTaskIsAnInvokeAgentSpanWithItsGivenOrDerivedSpanId() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("agent", "planner");
        a.put("taskId", "b7ad6b7169203331b7ad6b7169203331");
        a.put("startedAt", STARTED.toString());
        a.put("parentSpanId", CALLER_SPAN);
        SpanSpec derived = new SpanMapper(false, 4096).map(new Event("execution.error", STARTED, TRACE, "default",
            "conv-1", "failed", 1_000, a));
        assertThat(derived.name()).isEqualTo("invoke_agent planner");
        assertThat(derived.spanId()).isEqualTo("b7ad6b7169203331");
        assertThat(derived.parentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(derived.error()).isTrue();
        assertThat(derived.attributes().asMap().toString()).contains("gen_ai.operation.name=invoke_agent")
            .contains("gen_ai.agent.name=planner").contains("gen_ai.conversation.id=conv-1");

        a.put("spanId", "53995c3f42cd8ad8");
        SpanSpec given = new SpanMapper(false, 4096).map(new Event("execution.complete", STARTED, TRACE, "default",
            "", "ok", 1_000, a));
        assertThat(given.spanId()).isEqualTo("53995c3f42cd8ad8");
        assertThat(given.error()).isFalse();
    }

    @Test
    void otherEventsAreNoSpans() {
        assertThat(new SpanMapper(false, 4096).map(new Event("tool.call.start", STARTED, TRACE, "", "", "", 0,
            Map.of("tool", "calculator", "callId", CALL)))).isNull();
        assertThat(new SpanMapper(false, 4096).map(new Event("policy.reloaded", STARTED, "", "", "", "ok", 0,
            Map.of()))).isNull();
    }

    @Test
    void derivedIdsAreW3cShaped() {
        assertThat(SpanIds.ofCall(CALL)).isEqualTo("0af7651916cd43dd");
        assertThat(SpanIds.ofCall("not-hex")).matches("[0-9a-f]{16}").isNotEqualTo("0000000000000000");
        assertThat(SpanIds.ofCall("0000000000000000ffffffffffffffff")).isNotEqualTo("0000000000000000");
        assertThat(SpanIds.hash("a")).isNotEqualTo(SpanIds.hash("b"));
    }
}
