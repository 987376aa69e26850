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
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "calculator", "status", "ok", "verdict", "allow"))
            .isEqualTo(3.0);
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "calculator", "status", "tool_error", "verdict", "allow"))
            .isEqualTo(1.0);
        String h = "gen_ai_execute_tool_duration_seconds";
        assertThat(e.type.get(h)).isEqualTo("histogram");
        assertThat(e.value(h + "_count", "profile", "default", "tool", "calculator", "status", "ok")).isEqualTo(3.0);
        assertThat(e.value(h + "_sum", "profile", "default", "tool", "calculator", "status", "ok")).isCloseTo(2.0043,
            org.assertj.core.data.Offset.offset(1e-9));
        assertThat(e.value(h + "_bucket", "profile", "default",
            "tool", "calculator", "status", "ok", "le", "5.0E-4")).isEqualTo(1.0);
        assertThat(e.value(h + "_bucket", "profile", "default",
            "tool", "calculator", "status", "ok", "le", "0.005")).isEqualTo(2.0);
        assertThat(e.value(h + "_bucket", "profile", "default",
            "tool", "calculator", "status", "ok", "le", "1.0")).isEqualTo(2.0);
        assertThat(e.value(h + "_bucket", "profile", "default",
            "tool", "calculator", "status", "ok", "le", "2.5")).isEqualTo(3.0);
        assertThat(e.value(h + "_bucket", "profile", "default",
            "tool", "calculator", "status", "ok", "le", "+Inf")).isEqualTo(3.0);
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
        assertThat(e.value("cuga_decisions_total", "profile", "default", "verdict", "allow", "guardrail", "none"))
            .isEqualTo(1.0);
        assertThat(e.value("cuga_decisions_total", "profile", "default", "verdict", "warn", "guardrail", "schema"))
            .isEqualTo(1.0);
        assertThat(e.value("cuga_decisions_total", "profile", "default", "verdict", "deny", "guardrail", "egress"))
            .isEqualTo(2.0);
        assertThat(e.value("cuga_decisions_total", "profile", "default", "verdict", "require_approval",
            "guardrail", "approval")).isEqualTo(1.0);
        assertThat(e.value("cuga_denials_total", "profile", "default", "guardrail", "egress")).isEqualTo(2.0);
        assertThat(e.value("cuga_denials_total", "profile", "default", "guardrail", "ratelimit")).isEqualTo(1.0);
        assertThat(e.named("cuga_decisions_total").stream().mapToDouble(Exposition.Sample::value).sum())
            .isEqualTo(6.0);
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "_unknown", "status", "not_found", "verdict", "allow"))
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
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "_other", "status", "ok", "verdict", "allow"))
            .isEqualTo(2.0);
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "_unknown", "status", "not_found", "verdict", "allow"))
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
    void policySeriesOfTheActiveProfilesExistFromTheStartAtZero() {
        PrometheusMetrics m = metrics(Map.of("max_profile_labels", 3));
        assertThat(scrape(m).named("cuga_policy_reloads_total")).isEmpty();
        m.policyProfiles(List.of("default", "finance", "ops", "beyond"));
        Exposition e = scrape(m);
        for (String profile : List.of("default", "finance", "ops", "_other")) {
            assertThat(e.value("cuga_policy_reloads_total", "profile", profile)).as(profile).isEqualTo(0.0);
            assertThat(e.value("cuga_policy_rejections_total", "profile", profile)).as(profile).isEqualTo(0.0);
        }
        // the first edit after start counts from there, and seeding again does not reset or double count
        m.accept(new Event("policy.reloaded", Instant.now(), "", "finance", "", "ok", 0, Map.of("version", 2)));
        m.policyProfiles(List.of("finance"));
        assertThat(scrape(m).value("cuga_policy_reloads_total", "profile", "finance")).isEqualTo(1.0);
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
        m.accept(approval("approval.requested", "a1", "gated", "pending", Instant.now(), null));
        m.accept(approval("approval.received", "a1", "gated", "approved", Instant.now(), null));
        m.accept(new Event("budget.warning", Instant.now(), "", "metered", "s", "warn", 0, Map.of()));
        m.accept(new Event("budget.exceeded", Instant.now(), "", "metered", "s", "deny", 0, Map.of()));
        Promtool.Result result = Promtool.checkMetrics(promtool, m.registry().scrape());
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).isBlank();
    }

    static Event approval(String type, String id, String profile, String status, Instant time, Instant requestedAt) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("approvalId", id);
        attributes.put("tool", "calculator");
        if (requestedAt != null) {
            attributes.put("requestedAt", requestedAt.toString());
        }
        return new Event(type, time, "", profile, "", status, 0, attributes);
    }

    @Test
    void approvalsCountByOutcomeAndTheirWaitIsAHistogram() {
        PrometheusMetrics m = metrics(Map.of());
        Instant t0 = Instant.parse("2026-01-01T10:00:00Z");
        // requested here and decided here: the wait pairs the two events by approval id
        m.accept(approval("approval.requested", "a1", "gated", "pending", t0, null));
        m.accept(approval("approval.received", "a1", "gated", "approved", t0.plusSeconds(3), null));
        // decided on another replica: the event says when it was requested
        m.accept(approval("approval.received", "a2", "gated", "rejected", t0.plusSeconds(600), t0));
        // expired, requested here
        m.accept(approval("approval.requested", "a3", "gated", "pending", t0, null));
        m.accept(approval("approval.timeout", "a3", "gated", "expired", t0.plusSeconds(7200), null));
        // requested before this server started and the event does not say when: counted, no wait
        m.accept(approval("approval.received", "a4", "gated", "approved", t0, null));

        Exposition e = scrape(m);
        assertThat(e.value("cuga_approval_requests_total", "profile", "gated")).isEqualTo(2.0);
        assertThat(e.value("cuga_approvals_total", "profile", "gated", "outcome", "approved")).isEqualTo(2.0);
        assertThat(e.value("cuga_approvals_total", "profile", "gated", "outcome", "rejected")).isEqualTo(1.0);
        assertThat(e.value("cuga_approvals_total", "profile", "gated", "outcome", "expired")).isEqualTo(1.0);
        String h = "cuga_approval_wait_seconds";
        assertThat(e.type.get(h)).isEqualTo("histogram");
        assertThat(e.value(h + "_count", "profile", "gated", "outcome", "approved")).isEqualTo(1.0);
        assertThat(e.value(h + "_sum", "profile", "gated", "outcome", "approved")).isEqualTo(3.0);
        assertThat(e.value(h + "_bucket", "profile", "gated", "outcome", "approved", "le", "1.0")).isEqualTo(0.0);
        assertThat(e.value(h + "_bucket", "profile", "gated", "outcome", "approved", "le", "5.0")).isEqualTo(1.0);
        assertThat(e.value(h + "_sum", "profile", "gated", "outcome", "rejected")).isEqualTo(600.0);
        assertThat(e.value(h + "_bucket", "profile", "gated", "outcome", "expired", "le", "3600.0")).isEqualTo(0.0);
        assertThat(e.value(h + "_bucket", "profile", "gated", "outcome", "expired", "le", "7200.0")).isEqualTo(1.0);
    }

    @Test
    void budgetWarningsAndExceedancesCountByProfile() {
        PrometheusMetrics m = metrics(Map.of());
        m.accept(new Event("budget.warning", Instant.now(), "", "metered", "s", "warn", 0, Map.of("rule", "r")));
        m.accept(new Event("budget.exceeded", Instant.now(), "", "metered", "s", "deny", 0, Map.of("kind", "calls")));
        m.accept(new Event("budget.exceeded", Instant.now(), "", "metered", "s", "deny", 0, Map.of("kind", "calls")));
        Exposition e = scrape(m);
        assertThat(e.value("cuga_budget_warnings_total", "profile", "metered")).isEqualTo(1.0);
        assertThat(e.value("cuga_budget_exceeded_total", "profile", "metered")).isEqualTo(2.0);
    }

    @Test
    void aTaskIsATraceCountedAtItsFirstCall() {
        PrometheusMetrics m = metrics(Map.of());
        for (String trace : List.of("t1", "t1", "t1", "t2", "")) {
            m.accept(new Event("tool.call.complete", Instant.now(), trace, "default", "", "ok", 1000,
                Map.of("tool", "calculator", "verdict", "ALLOW")));
        }
        Exposition e = scrape(m);
        assertThat(e.value("cuga_tasks_total", "profile", "default")).isEqualTo(2.0);
        assertThat(e.value("cuga_tool_calls_total", "profile", "default", "tool", "calculator", "status", "ok",
            "verdict", "allow")).isEqualTo(5.0);
    }

    @Test
    void profileNamesCannotCreateUnboundedSeries() {
        PrometheusMetrics m = metrics(Map.of("max_profile_labels", 2));
        for (String profile : List.of("a", "b", "c", "d", "a")) {
            m.accept(new Event("tool.call.complete", Instant.now(), "", profile, "", "ok", 1000,
                Map.of("tool", "calculator", "verdict", "ALLOW")));
        }
        Exposition e = scrape(m);
        assertThat(e.named("cuga_tool_calls_total")).extracting(s -> s.labels().get("profile"))
            .containsExactlyInAnyOrder("a", "b", "_other");
        assertThat(e.value("cuga_tool_calls_total", "profile", "_other", "tool", "calculator", "status", "ok",
            "verdict", "allow")).isEqualTo(2.0);
    }

    @Test
    void decisionsAndDenialsCarryTheBoundedProfileLabel() {
        PrometheusMetrics m = metrics(Map.of("max_profile_labels", 2));
        for (String profile : List.of("a", "b", "c", "d", "a")) {
            m.accept(new Event("tool.call.error", Instant.now(), "", profile, "", "denied", 1000,
                Map.of("tool", "http_get", "verdict", "DENY", "guardrail", "egress")));
        }
        Exposition e = scrape(m);
        assertThat(e.named("cuga_denials_total")).extracting(s -> s.labels().get("profile"))
            .containsExactlyInAnyOrder("a", "b", "_other");
        assertThat(e.value("cuga_denials_total", "profile", "a", "guardrail", "egress")).isEqualTo(2.0);
        assertThat(e.value("cuga_denials_total", "profile", "_other", "guardrail", "egress")).isEqualTo(2.0);
        assertThat(e.value("cuga_decisions_total", "profile", "b", "verdict", "deny", "guardrail", "egress"))
            .isEqualTo(1.0);
        assertThat(e.named("cuga_decisions_total")).extracting(s -> s.labels().get("profile"))
            .containsExactlyInAnyOrder("a", "b", "_other");
    }

    @Test
    void recentForgetsTheOldestPastItsSize() {
        PrometheusMetrics.Recent<String, Boolean> recent = new PrometheusMetrics.Recent<>(2);
        assertThat(recent.putIfAbsent("a", true)).isNull();
        assertThat(recent.putIfAbsent("b", true)).isNull();
        assertThat(recent.putIfAbsent("a", true)).isTrue();
        assertThat(recent.putIfAbsent("c", true)).isNull();
        assertThat(recent.putIfAbsent("a", true)).isNull(); // forgotten
    }
}
