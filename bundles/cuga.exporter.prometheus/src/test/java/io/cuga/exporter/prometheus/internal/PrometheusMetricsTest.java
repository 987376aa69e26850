package io.cuga.exporter.prometheus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.event.Event;
import io.cuga.api.tool.ToolDescriptor;

class PrometheusMetricsTest {

    private final List<PrometheusMetrics> created = new ArrayList<>();

    PrometheusMetrics metrics(Map<String, Object> overrides) {
        PrometheusMetrics m = new PrometheusMetrics(Configs.of(PrometheusMetrics.Config.class, overrides));
        created.add(m);
        return m;
    }

    @AfterEach
    void close() {
        created.forEach(PrometheusMetrics::deactivate);
    }

    static Event call(String tool, String status, long nanos, String verdict, String guardrail) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("tool", tool);
        attributes.put("callId", "c");
        attributes.put("caller", "agent");
        attributes.put("verdict", verdict);
        if (guardrail != null) {
            attributes.put("guardrail", guardrail);
        }
        return new Event(status.equals("ok") ? "tool.call.complete" : "tool.call.error", Instant.now(),
            "", "default", "", status, nanos, attributes);
    }

    static Exposition scrape(PrometheusMetrics m) {
        return new Exposition(m.registry().scrape());
    }

    @Test
    void toolCallsBecomeCountersAndAHistogramWithBuckets() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(call("calculator", "ok", 300_000, "ALLOW", null));       // 0.3 ms
        m.accept(call("calculator", "ok", 4_000_000, "ALLOW", null));     // 4 ms
        m.accept(call("calculator", "ok", 2_000_000_000L, "ALLOW", null)); // 2 s
        m.accept(call("calculator", "tool_error", 1_000_000, "ALLOW", null));
        m.accept(new Event("tool.call.start", Instant.now(), "", "", "", "", 0, Map.of("tool", "calculator")));

        Exposition e = scrape(m);
        assertThat(e.value("cuga_tool_calls_total", "tool", "calculator", "status", "ok", "verdict", "allow"))
            .isEqualTo(3.0);
        assertThat(e.value("cuga_tool_calls_total", "tool", "calculator", "status", "tool_error", "verdict", "allow"))
            .isEqualTo(1.0);
        String h = "gen_ai_execute_tool_duration_seconds";
        assertThat(e.type.get(h)).isEqualTo("histogram");
        assertThat(e.value(h + "_count", "tool", "calculator", "status", "ok")).isEqualTo(3.0);
        assertThat(e.value(h + "_sum", "tool", "calculator", "status", "ok")).isCloseTo(2.0043,
            org.assertj.core.data.Offset.offset(1e-9));
        assertThat(e.value(h + "_bucket", "tool", "calculator", "status", "ok", "le", "5.0E-4")).isEqualTo(1.0);
        assertThat(e.value(h + "_bucket", "tool", "calculator", "status", "ok", "le", "0.005")).isEqualTo(2.0);
        assertThat(e.value(h + "_bucket", "tool", "calculator", "status", "ok", "le", "1.0")).isEqualTo(2.0);
        assertThat(e.value(h + "_bucket", "tool", "calculator", "status", "ok", "le", "2.5")).isEqualTo(3.0);
        assertThat(e.value(h + "_bucket", "tool", "calculator", "status", "ok", "le", "+Inf")).isEqualTo(3.0);
        assertThat(e.named(h + "_bucket").stream().filter(s -> s.labels().get("status").equals("ok")))
            .hasSize(PrometheusMetrics.DURATION_BUCKETS.length + 1);
        assertThat(e.value("cuga_events_total", "type", "tool.call.start")).isEqualTo(1.0);
        assertThat(e.value("cuga_events_total", "type", "tool.call.complete")).isEqualTo(3.0);
    }

    @Test
    void decisionsAndDenialsCountByGuardrailButNotForCallsThatStoppedBeforeTheChain() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(call("calculator", "ok", 1000, "ALLOW", null));
        m.accept(call("calculator", "ok", 1000, "WARN", "schema"));
        m.accept(call("http_get", "denied", 1000, "DENY", "egress"));
        m.accept(call("http_get", "denied", 1000, "DENY", "egress"));
        m.accept(call("http_get", "limited", 1000, "DENY", "ratelimit"));
        m.accept(call("http_get", "approval_required", 1000, "REQUIRE_APPROVAL", "approval"));
        m.accept(call("nope", "not_found", 1000, "ALLOW", null));
        m.accept(call("calculator", "invalid_arguments", 1000, "ALLOW", null));

        Exposition e = scrape(m);
        assertThat(e.value("cuga_decisions_total", "verdict", "allow", "guardrail", "none")).isEqualTo(1.0);
        assertThat(e.value("cuga_decisions_total", "verdict", "warn", "guardrail", "schema")).isEqualTo(1.0);
        assertThat(e.value("cuga_decisions_total", "verdict", "deny", "guardrail", "egress")).isEqualTo(2.0);
        assertThat(e.value("cuga_decisions_total", "verdict", "require_approval", "guardrail", "approval"))
            .isEqualTo(1.0);
        assertThat(e.value("cuga_denials_total", "guardrail", "egress")).isEqualTo(2.0);
        assertThat(e.value("cuga_denials_total", "guardrail", "ratelimit")).isEqualTo(1.0);
        assertThat(e.named("cuga_decisions_total").stream().mapToDouble(Exposition.Sample::value).sum())
            .isEqualTo(6.0);
        assertThat(e.value("cuga_tool_calls_total", "tool", "_unknown", "status", "not_found", "verdict", "allow"))
            .isEqualTo(1.0);
    }

    @Test
    void toolNamesFromCallersCannotCreateUnboundedSeries() {
        PrometheusMetrics m = metrics(Map.of("max_tool_labels", 3));
        for (int i = 0; i < 100; i++) {
            m.accept(call("no_such_tool_" + i, "not_found", 1000, "ALLOW", null));
        }
        for (String tool : List.of("a", "b", "c", "d", "e")) {
            m.accept(call(tool, "ok", 1000, "ALLOW", null));
        }
        Exposition e = scrape(m);
        assertThat(e.named("cuga_tool_calls_total")).extracting(s -> s.labels().get("tool"))
            .containsExactlyInAnyOrder("_unknown", "a", "b", "c", "_other");
        assertThat(e.value("cuga_tool_calls_total", "tool", "_other", "status", "ok", "verdict", "allow"))
            .isEqualTo(2.0);
        assertThat(e.value("cuga_tool_calls_total", "tool", "_unknown", "status", "not_found", "verdict", "allow"))
            .isEqualTo(100.0);
    }

    @Test
    void visibleToolsFollowTheEventsOrTheRegistryWhenThereIsOne() {
        PrometheusMetrics m = metrics(Map.of());
        assertThat(scrape(m).value("cuga_tools_visible")).isEqualTo(0.0);
        m.accept(new Event("tool.added", Instant.now(), "", "", "", "", 0, Map.of("tool", "calculator")));
        m.accept(new Event("tool.added", Instant.now(), "", "", "", "", 0, Map.of("tool", "http_get")));
        m.accept(new Event("tool.added", Instant.now(), "", "", "", "", 0, Map.of("tool", "http_get")));
        assertThat(scrape(m).value("cuga_tools_visible")).isEqualTo(2.0);
        m.accept(new Event("tool.removed", Instant.now(), "", "", "", "", 0, Map.of("tool", "http_get")));
        assertThat(scrape(m).value("cuga_tools_visible")).isEqualTo(1.0);

        ToolRegistry registry = new ToolRegistry() {
            @Override
            public List<ToolDescriptor> visible(String profile) {
                return List.of();
            }

            @Override
            public Optional<ToolDescriptor> find(String name, String profile) {
                return Optional.empty();
            }

            @Override
            public List<ToolInfo> all() {
                return List.of(
                    new ToolInfo("a", "b", "1", ToolInfo.State.VISIBLE, "", null),
                    new ToolInfo("b", "b", "1", ToolInfo.State.VISIBLE, "", null),
                    new ToolInfo("c", "b", "1", ToolInfo.State.VISIBLE, "", null),
                    new ToolInfo("d", "b", "1", ToolInfo.State.HIDDEN, "not allowlisted", null));
            }

            @Override
            public List<Diagnostic> diagnostics() {
                return List.of();
            }
        };
        m.bindToolRegistry(registry);
        assertThat(scrape(m).value("cuga_tools_visible")).isEqualTo(3.0);
        m.unbindToolRegistry(registry);
        assertThat(scrape(m).value("cuga_tools_visible")).isEqualTo(1.0);
    }

    @Test
    void exporterDropsAndFailuresFollowThePublishersReports() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(stats("jsonl", 0, 0));
        m.accept(stats("slow", 10, 0));
        m.accept(stats("slow", 25, 2));
        m.accept(stats("slow", 20, 1)); // a late report never lowers a total
        Exposition e = scrape(m);
        assertThat(e.type.get("cuga_exporter_dropped_events_total")).isEqualTo("counter");
        assertThat(e.value("cuga_exporter_dropped_events_total", "sink", "jsonl")).isEqualTo(0.0);
        assertThat(e.value("cuga_exporter_dropped_events_total", "sink", "slow")).isEqualTo(25.0);
        assertThat(e.value("cuga_exporter_failed_events_total", "sink", "slow")).isEqualTo(2.0);
    }

    static Event stats(String sink, long dropped, long failed) {
        return new Event(PrometheusMetrics.EXPORTER_STATS, Instant.now(), "", "", "", "ok", 0,
            Map.of("sink", sink, "dropped", dropped, "failed", failed, "delivered", 1L));
    }

    @Test
    void policyReloadsAndRejectionsCountByProfile() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(new Event("policy.reloaded", Instant.now(), "", "finance", "", "ok", 0, Map.of("version", 2)));
        m.accept(new Event("policy.reloaded", Instant.now(), "", "finance", "", "ok", 0, Map.of("version", 3)));
        m.accept(new Event("policy.rejected", Instant.now(), "", "", "", "error", 0, Map.of("profile", "ops")));
        Exposition e = scrape(m);
        assertThat(e.value("cuga_policy_reloads_total", "profile", "finance")).isEqualTo(2.0);
        assertThat(e.value("cuga_policy_rejections_total", "profile", "ops")).isEqualTo(1.0);
    }

    @Test
    void everyFamilyHasHelpTextAndJvmBasicsAreThere() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(call("calculator", "ok", 1000, "DENY", "allowlist"));
        m.accept(stats("jsonl", 1, 1));
        m.accept(new Event("policy.reloaded", Instant.now(), "", "default", "", "ok", 0, Map.of()));
        m.accept(new Event("policy.rejected", Instant.now(), "", "default", "", "ok", 0, Map.of()));
        Exposition e = scrape(m);
        assertThat(e.type.keySet()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads",
            "process_cpu_seconds_total", "process_uptime_seconds", "cuga_tools_visible");
        for (String family : e.type.keySet()) {
            assertThat(e.help.get(family)).as("HELP of " + family).isNotBlank();
        }
    }

    @Test
    void withoutJvmMetricsOnlyTheCugaMetersAreThere() {
        PrometheusMetrics m = metrics(Map.of("jvm_metrics", false));
        assertThat(scrape(m).type.keySet()).containsExactly("cuga_tools_visible");
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        Path promtool = Promtool.find();
        assumeTrue(promtool != null, "promtool (Debian package prometheus) is not installed");
        PrometheusMetrics m = metrics(Map.of());
        m.accept(call("calculator", "ok", 1000, "ALLOW", null));
        m.accept(call("http_get", "denied", 1000, "DENY", "egress"));
        m.accept(stats("jsonl", 1, 1));
        m.accept(new Event("policy.reloaded", Instant.now(), "", "default", "", "ok", 0, Map.of()));
        m.accept(new Event("policy.rejected", Instant.now(), "", "default", "", "ok", 0, Map.of()));
        m.accept(new Event("tool.added", Instant.now(), "", "", "", "", 0, Map.of("tool", "calculator")));
        Promtool.Result result = Promtool.checkMetrics(promtool, m.registry().scrape());
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).isBlank();
    }
}
