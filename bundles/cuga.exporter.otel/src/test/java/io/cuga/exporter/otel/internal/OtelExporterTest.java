package io.cuga.exporter.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;
import io.cuga.events.internal.RealBus;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/** The exporter behind the real event publisher, sending real OTLP/HTTP protobuf to a receiver on loopback. */
class OtelExporterTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";

    static Settings settings(OtlpReceiver receiver, Map<String, Object> config) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.base());
        env.put("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20collector-key");
        env.put("OTEL_SERVICE_NAME", "cuga-test");
        env.put("OTEL_BSP_SCHEDULE_DELAY", "50");
        return Settings.resolve(Configs.of(OtelConfig.class, config), env);
    }

    static Event call(String callId, String type, Map<String, Object> arguments) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("tool", "calculator");
        a.put("callId", callId);
        a.put("caller", "agent");
        a.put("verdict", type.equals("tool.call.error") ? "DENY" : "ALLOW");
        a.put("startedAt", Instant.now().minusMillis(3).toString());
        a.put("parentSpanId", CALLER_SPAN);
        a.put("guardrails", List.of(
            Map.of("guardrail", "allowlist", "verdict", "ALLOW", "rule", "", "reason", "", "offsetNanos", 1000L,
                "durationNanos", 2000L),
            Map.of("guardrail", "schema", "verdict", "ALLOW", "rule", "", "reason", "", "offsetNanos", 4000L,
                "durationNanos", 2000L)));
        if (type.equals("tool.call.error")) {
            a.put("error", "policy_denied");
        }
        a.put("arguments", arguments);
        a.put("result", 42);
        return new Event(type, Instant.now(), TRACE, "default", "", type.equals("tool.call.error") ? "denied" : "ok",
            3_000_000, a);
    }

    static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    static String attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    @Test
    void callsBehindTheRealPublisherReachTheCollectorAsSpansWithSecretsRedacted() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver(); RealBus bus = new RealBus()) {
            OtelExporter exporter = new OtelExporter(settings(receiver, Map.of("capture_content", true)));
            bus.add(exporter, OtelExporter.NAME);
            Map<String, Object> arguments = new LinkedHashMap<>();
            arguments.put("expression", "6*7");
            arguments.put("password", "hunter2-secret");
            arguments.put("headers", Map.of("Authorization", "Bearer sk-live-123"));
            String callId = "0af7651916cd43dd8448eb211c80319c";
            bus.publisher().publish(call(callId, "tool.call.complete", arguments));
            bus.publisher().publish(new Event("tool.call.start", Instant.now(), TRACE, "default", "", "", 0,
                Map.of("tool", "calculator", "callId", callId)));

            assertThat(await(() -> receiver.spans.size() >= 3)).as("spans received").isTrue();
            Thread.sleep(200); // nothing more comes: tool.call.start is no span
            assertThat(receiver.spans).hasSize(3);
            Span tool = receiver.spans.stream().filter(s -> s.getName().equals("execute_tool calculator")).findFirst()
                .orElseThrow();
            assertThat(hex(tool.getTraceId())).isEqualTo(TRACE);
            assertThat(hex(tool.getSpanId())).isEqualTo(callId.substring(0, 16));
            assertThat(hex(tool.getParentSpanId())).isEqualTo(CALLER_SPAN);
            assertThat(tool.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
            assertThat(tool.getEndTimeUnixNano() - tool.getStartTimeUnixNano()).isEqualTo(3_000_000);
            assertThat(attribute(tool, "gen_ai.tool.call.id")).isEqualTo(callId);
            assertThat(attribute(tool, "gen_ai.tool.call.arguments")).contains("6*7").doesNotContain("hunter2")
                .doesNotContain("sk-live").contains("[REDACTED]");
            for (Span s : receiver.spans) {
                assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("sk-live");
                if (s != tool) {
                    assertThat(s.getName()).startsWith("apply_guardrail ");
                    assertThat(s.getParentSpanId()).isEqualTo(tool.getSpanId());
                    assertThat(s.getTraceId()).isEqualTo(tool.getTraceId());
                    assertThat(s.getStartTimeUnixNano()).isGreaterThanOrEqualTo(tool.getStartTimeUnixNano());
                    assertThat(s.getEndTimeUnixNano()).isLessThanOrEqualTo(tool.getEndTimeUnixNano());
                }
            }
            assertThat(receiver.resources.get(0).toString()).contains("cuga-test");
            assertThat(receiver.contentTypes).allMatch(t -> t.equals("application/x-protobuf"));
            assertThat(receiver.authorizations).allMatch(t -> t.equals("Bearer collector-key"));
            bus.remove(exporter);
            exporter.deactivate();
        }
    }

    @Test
    void aDeniedCallIsAnErrorSpan() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtelExporter exporter = new OtelExporter(settings(receiver, Map.of()));
            exporter.accept(call("1af7651916cd43dd8448eb211c80319c", "tool.call.error", Map.of("expression", "1")));
            assertThat(await(() -> receiver.spans.size() >= 3)).isTrue();
            Span tool = receiver.spans.stream().filter(s -> s.getName().startsWith("execute_tool")).findFirst()
                .orElseThrow();
            assertThat(tool.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
            assertThat(attribute(tool, "error.type")).isEqualTo("policy_denied");
            // content is not captured unless opted in
            assertThat(attribute(tool, "gen_ai.tool.call.arguments")).isNull();
            assertThat(attribute(tool, "gen_ai.tool.call.result")).isNull();
            exporter.deactivate();
        }
    }

    @Test
    void aStuckCollectorNeverHoldsUpDeliveryAndItsDropsAreCountedAndReported() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            receiver.hold = new CountDownLatch(1);
            OtelExporter exporter = new OtelExporter(settings(receiver, Map.of("max_queue_size", 6,
                "max_export_batch_size", 3)));
            List<Event> published = new CopyOnWriteArrayList<>();
            exporter.events = published::add;
            // the first batch goes out and hangs in the collector; the queue fills; the rest is dropped
            exporter.accept(call("2af7651916cd43dd8448eb211c80319c", "tool.call.complete", Map.of()));
            assertThat(await(() -> receiver.spans.size() >= 3)).isTrue();
            for (int i = 0; i < 50; i++) {
                exporter.accept(call(String.format("%032x", 1000 + i), "tool.call.complete", Map.of()));
            }
            // every accept returned while the collector still holds the first request
            assertThat(receiver.hold.getCount()).isEqualTo(1);
            BoundedExport batches = exporter.batches();
            assertThat(batches.queued()).isEqualTo(6);
            assertThat(batches.dropped()).isEqualTo(50 * 3 - 6);
            Thread.sleep(1100);
            exporter.accept(new Event("policy.reloaded", Instant.now(), "", "", "", "ok", 0, Map.of()));
            Event stats = published.stream().filter(e -> e.type().equals("exporter.stats")).reduce((a, b) -> b)
                .orElseThrow();
            assertThat(stats.attributes()).containsEntry("sink", "otel.spans").containsEntry("dropped", 144L)
                .containsEntry("capacity", 6);
            receiver.hold.countDown();
            assertThat(await(() -> receiver.spans.size() >= 9)).isTrue();
            exporter.deactivate();
        }
    }

    @Test
    void theSamplerDecidesForACallAndItsGuardrailsAlike() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtelExporter off = new OtelExporter(settings(receiver, Map.of("traces_sampler", "always_off")));
            off.accept(call("4af7651916cd43dd8448eb211c80319c", "tool.call.complete", Map.of()));
            OtelExporter on = new OtelExporter(settings(receiver, Map.of("traces_sampler", "traceidratio",
                "traces_sampler_arg", "1.0")));
            on.accept(call("5af7651916cd43dd8448eb211c80319c", "tool.call.complete", Map.of()));
            assertThat(await(() -> receiver.spans.size() >= 3)).isTrue();
            Thread.sleep(300); // several schedule delays: the sampled-out call never comes
            assertThat(receiver.spans).hasSize(3).allMatch(s -> hex(s.getTraceId()).equals(TRACE));
            assertThat(receiver.spans.stream().filter(s -> s.getName().startsWith("execute_tool")).map(s -> attribute(s,
                "gen_ai.tool.call.id"))).containsExactly("5af7651916cd43dd8448eb211c80319c");
            off.deactivate();
            on.deactivate();
        }
    }

    @Test
    void aParentBasedSamplerFollowsTheCallersSampledFlag() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtelExporter parentBased = new OtelExporter(settings(receiver, Map.of()));
            Map<String, Object> notRecorded = new LinkedHashMap<>(call("6af7651916cd43dd8448eb211c80319c",
                "tool.call.complete", Map.of()).attributes());
            notRecorded.put("sampled", false);
            parentBased.accept(new Event("tool.call.complete", Instant.now(), TRACE, "default", "", "ok", 3_000_000,
                notRecorded));
            parentBased.accept(call("7af7651916cd43dd8448eb211c80319c", "tool.call.complete", Map.of()));
            // always_on ignores the flag
            OtelExporter always = new OtelExporter(settings(receiver, Map.of("traces_sampler", "always_on")));
            Map<String, Object> alsoNotRecorded = new LinkedHashMap<>(notRecorded);
            alsoNotRecorded.put("callId", "8af7651916cd43dd8448eb211c80319c");
            always.accept(new Event("tool.call.complete", Instant.now(), TRACE, "default", "", "ok", 3_000_000,
                alsoNotRecorded));
            assertThat(await(() -> receiver.spans.size() >= 6)).isTrue();
            Thread.sleep(300); // several schedule delays: the unrecorded call never comes
            assertThat(receiver.spans).hasSize(6);
            assertThat(receiver.spans.stream().filter(s -> s.getName().startsWith("execute_tool")).map(s -> attribute(s,
                "gen_ai.tool.call.id"))).containsExactlyInAnyOrder("7af7651916cd43dd8448eb211c80319c",
                    "8af7651916cd43dd8448eb211c80319c");
            parentBased.deactivate();
            always.deactivate();
        }
    }

    @Test
    void withoutAnEndpointItIdles() {
        OtelExporter exporter = new OtelExporter(Settings.resolve(Configs.defaults(OtelConfig.class), Map.of()));
        exporter.accept(call("3af7651916cd43dd8448eb211c80319c", "tool.call.complete", Map.of()));
        assertThat(exporter.batches()).isNull();
        exporter.deactivate();
    }
}
