package io.cuga.exporter.prometheus.internal;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;
import io.cuga.api.event.EventTypes;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The meters behind {@code /metrics}, derived from the events (this is an {@link EventSink}, named
 * {@value #SINK_NAME}), plus JVM and process basics. Every meter has a description (promtool rejects a series
 * without help text), and the meters of a tag set are looked up once and cached, so an event costs a map lookup
 * and an increment. Tool names come from callers for unknown tools, so they are bounded: an unknown tool counts
 * as {@value #UNKNOWN_TOOL}, and past {@code max.tool.labels} distinct names the rest count as
 * {@value #OTHER_TOOL}.
 */
@Component(service = {EventSink.class, PrometheusMetrics.class}, configurationPid = PrometheusMetrics.PID,
    property = EventSink.NAME + "=" + PrometheusMetrics.SINK_NAME)
@Designate(ocd = PrometheusMetrics.Config.class)
public final class PrometheusMetrics implements EventSink {

    /** The configuration PID. */
    static final String PID = "cuga.exporter.prometheus";

    /** This sink's name in the drop metrics. */
    static final String SINK_NAME = "prometheus";

    /** The event type of the publisher's counts per sink (published by cuga.events). */
    static final String EXPORTER_STATS = "exporter.stats";

    /** The tool label of calls to a tool nobody serves. */
    static final String UNKNOWN_TOOL = "_unknown";

    /** The tool label once {@code max.tool.labels} distinct names are taken. */
    static final String OTHER_TOOL = "_other";

    /** The label value when an event does not name a guardrail. */
    static final String NO_GUARDRAIL = "none";

    /** Histogram buckets of tool call durations: 0.5 ms to 60 s. */
    static final Duration[] DURATION_BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1),
        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetrics.class);
    private static final int MAX_EVENT_TYPES = 200;
    private static final int RECENT_TRACES = 10_000;
    private static final int RECENT_APPROVALS = 10_000;

    /** The profile label when an event names none. */
    static final String DEFAULT_PROFILE = "default";

    /** The profile label once {@code max.profile.labels} distinct names are taken. */
    static final String OTHER_PROFILE = "_other";

    /** Histogram buckets of approval waits: 1 s to 1 day (humans decide in seconds to hours). */
    static final Duration[] APPROVAL_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
        Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1),
        Duration.ofHours(2), Duration.ofHours(4), Duration.ofHours(12), Duration.ofDays(1)};

    /** What the exporter measures. */
    @ObjectClassDefinition(name = "cuga Prometheus exporter",
        description = "Meters derived from the events, served at /metrics in Prometheus text format.")
    public @interface Config {

        /** @return whether JVM and process meters are registered */
        @AttributeDefinition(name = "JVM and process metrics",
            description = "Register JVM memory, GC, threads, classes, CPU, uptime and open files.")
        boolean jvm_metrics() default true;

        /** @return the most distinct tool labels */
        @AttributeDefinition(name = "Distinct tool labels",
            description = "The most distinct tool names used as labels; calls of further tools count under "
                + "tool=\"_other\". Bounds the series a caller can create.")
        int max_tool_labels() default 500;

        /** @return the most distinct profile labels */
        @AttributeDefinition(name = "Distinct profile labels",
            description = "The most distinct profile names used as labels; further profiles count under "
                + "profile=\"_other\". Profiles come from policy files, but a token allowed every profile may "
                + "name any.")
        int max_profile_labels() default 100;
    }

    /** Tags of one call counter. */
    private record CallKey(String profile, String tool, String status, String verdict) {
    }

    /** Tags of one duration timer. */
    private record DurationKey(String profile, String tool, String status) {
    }

    /** Tags of one approval counter or wait timer. */
    private record ApprovalKey(String profile, String outcome) {
    }

    /** Tags of one decision counter. */
    private record DecisionKey(String profile, String verdict, String guardrail) {
    }

    /** Tags of one denial counter. */
    private record DenialKey(String profile, String guardrail) {
    }

    private final PrometheusMeterRegistry registry;
    private final int maxToolLabels;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<CallKey, Counter> calls = new ConcurrentHashMap<>();
    private final Map<DurationKey, Timer> durations = new ConcurrentHashMap<>();
    private final Map<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<DenialKey, Counter> denials = new ConcurrentHashMap<>();
    private final Map<String, Counter> reloads = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<String, Counter> tasks = new ConcurrentHashMap<>();
    private final Map<String, Counter> approvalRequests = new ConcurrentHashMap<>();
    private final Map<ApprovalKey, Counter> approvals = new ConcurrentHashMap<>();
    private final Map<ApprovalKey, Timer> approvalWaits = new ConcurrentHashMap<>();
    private final Map<String, Counter> budgetWarnings = new ConcurrentHashMap<>();
    private final Map<String, Counter> budgetExceeded = new ConcurrentHashMap<>();
    private final Set<String> profileLabels = ConcurrentHashMap.newKeySet();
    private final int maxProfileLabels;
    /** Trace ids of recent calls, oldest first: a call of a trace not in here starts a task. */
    private final Recent<String, Boolean> recentTraces = new Recent<>(RECENT_TRACES);
    /** When each recent approval was requested here, for the wait when its event does not say. */
    private final Recent<String, Instant> requestedAt = new Recent<>(RECENT_APPROVALS);
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failed = new ConcurrentHashMap<>();
    private final Set<String> toolLabels = ConcurrentHashMap.newKeySet();
    private final Set<String> visibleFromEvents = ConcurrentHashMap.newKeySet();
    private final AtomicReference<ToolRegistry> tools = new AtomicReference<>();

    /** @param config the configuration */
    @Activate
    public PrometheusMetrics(Config config) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // promtool lints two of Micrometer's names: "ns" is an abbreviated unit, and a gauge must not end in
        // _count. CPU time becomes the conventional process_cpu_seconds_total; the CPU count system_cpus.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
        });
        this.maxToolLabels = Math.max(1, config.max_tool_labels());
        this.maxProfileLabels = Math.max(1, config.max_profile_labels());
        Gauge.builder("cuga.tools.visible", this, PrometheusMetrics::visibleTools)
            .description("Tools visible now (allowlisted and valid), under any profile")
            .register(registry);
        if (config.jvm_metrics()) {
            bindJvm();
        }
    }

    private void bindJvm() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                .description("CPU time used by the server process").register(registry);
        }
        List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(),
            new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics());
        for (MeterBinder binder : binders) {
            try {
                binder.bindTo(registry);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("JVM metrics of {} are not available: {}", binder.getClass().getSimpleName(), e.toString());
            }
        }
        try {
            JvmGcMetrics gc = new JvmGcMetrics();
            gc.bindTo(registry);
            closeables.add(gc);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("JVM garbage collection metrics are not available: {}", e.toString());
        }
    }

    /** Releases the GC listeners and the registry. */
    @Deactivate
    void deactivate() {
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("Closing {} failed: {}", closeable, e.toString());
            }
        }
        registry.close();
    }

    /** @param registry the orchestrator's tool registry, the exact source of the visible tool count */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindToolRegistry(ToolRegistry registry) {
        tools.set(registry);
    }

    /** @param registry the tool registry going away */
    void unbindToolRegistry(ToolRegistry registry) {
        tools.compareAndSet(registry, null);
    }

    /**
     * Registers the policy series of every active profile at zero: the policies loaded at start were activated
     * before this sink listened, so without this {@code cuga_policy_reloads_total} would appear only with the first
     * edit, and {@code increase()} over it would miss that edit.
     *
     * @param policies the active policies
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindPolicyService(PolicyService policies) {
        try {
            policyProfiles(policies.all().stream().map(Policy::profile).toList());
        } catch (RuntimeException e) {
            LOG.debug("The policy service failed to list the active policies: {}", e.toString());
        }
    }

    /** @param policies the policy service going away (the series stay: counters never go back) */
    void unbindPolicyService(PolicyService policies) {
        // nothing to release
    }

    /** @param profiles profiles with an active policy: their policy series exist from now on, at zero if new */
    void policyProfiles(Iterable<String> profiles) {
        for (String profile : profiles) {
            String label = profileLabel(profile == null || profile.isEmpty() ? DEFAULT_PROFILE : profile);
            policyReloads(label);
            policyRejections(label);
        }
    }

    private Counter policyReloads(String profile) {
        return counter(reloads, "cuga.policy.reloads", "Policies activated (loaded or reloaded), by profile",
            "profile", profile);
    }

    private Counter policyRejections(String profile) {
        return counter(rejections, "cuga.policy.rejections",
            "Policy documents refused (the previous policy stays active), by profile", "profile", profile);
    }

    /** @return the registry, for the servlet and the other meter components of this bundle */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** @param refresh run before every scrape (gauges read from services), until removed */
    void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    /** @param refresh no longer run before scrapes */
    void noLongerBeforeScrape(Runnable refresh) {
        beforeScrape.remove(refresh);
    }

    /** @return the exposition in the given content type, after the refreshes */
    String scrape(String contentType) {
        for (Runnable refresh : beforeScrape) {
            try {
                refresh.run();
            } catch (RuntimeException e) {
                LOG.debug("A refresh before the scrape failed: {}", e.toString());
            }
        }
        return registry.scrape(contentType);
    }

    @Override
    public void accept(Event event) {
        String type = event.type();
        switch (type) {
            case EventTypes.TOOL_CALL_COMPLETE, EventTypes.TOOL_CALL_ERROR -> call(event);
            case EventTypes.TOOL_ADDED -> visibleFromEvents.add(text(event, "tool", ""));
            case EventTypes.TOOL_REMOVED -> visibleFromEvents.remove(text(event, "tool", ""));
            case EventTypes.POLICY_RELOADED -> policyReloads(profileLabel(event)).increment();
            case EventTypes.POLICY_REJECTED -> policyRejections(profileLabel(event)).increment();
            case EventTypes.APPROVAL_REQUESTED -> approvalRequested(event);
            case EventTypes.APPROVAL_RECEIVED, EventTypes.APPROVAL_TIMEOUT -> approvalEnded(event);
            case EventTypes.BUDGET_WARNING -> count(budgetWarnings, "cuga.budget.warnings",
                "Calls that ran with a budget warning (the warn ratio reached, or over the ceiling in warn mode), "
                    + "by profile", "profile", profileLabel(event));
            case EventTypes.BUDGET_EXCEEDED -> count(budgetExceeded, "cuga.budget.exceeded",
                "Calls refused because a budget was exhausted, by profile", "profile", profileLabel(event));
            case EXPORTER_STATS -> stats(event);
            default -> {
                // counted below only
            }
        }
        Counter counter = events.get(type);
        if (counter == null) {
            counter = events.computeIfAbsent(events.size() < MAX_EVENT_TYPES ? type : "_other",
                t -> Counter.builder("cuga.events").description("Events published, by type").tag("type", t)
                    .register(registry));
        }
        counter.increment();
    }

    private void call(Event event) {
        String status = event.status().isEmpty() ? "unknown" : event.status();
        String tool = toolLabel(text(event, "tool", ""), status);
        String verdict = text(event, "verdict", "ALLOW").toLowerCase(Locale.ROOT);
        String guardrail = text(event, "guardrail", NO_GUARDRAIL);
        String profile = profileLabel(event);

        CallKey callKey = new CallKey(profile, tool, status, verdict);
        Counter counter = calls.get(callKey);
        if (counter == null) {
            counter = calls.computeIfAbsent(callKey, k -> Counter.builder("cuga.tool.calls")
                .description("Guarded tool calls by profile, tool, outcome status and the verdict they ran under")
                .tags("profile", k.profile(), "tool", k.tool(), "status", k.status(), "verdict", k.verdict())
                .register(registry));
        }
        counter.increment();

        DurationKey durationKey = new DurationKey(profile, tool, status);
        Timer timer = durations.get(durationKey);
        if (timer == null) {
            timer = durations.computeIfAbsent(durationKey, k -> Timer.builder("gen_ai.execute_tool.duration")
                .description("Duration of guarded tool calls, from dispatch to outcome, by profile, tool and "
                    + "outcome status")
                .tags("profile", k.profile(), "tool", k.tool(), "status", k.status())
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry));
        }
        timer.record(Math.max(0, event.durationNanos()), TimeUnit.NANOSECONDS);

        // calls that stopped before the guardrail chain (unknown tool, schema violation) took no decision
        if (!status.equals("not_found") && !status.equals("invalid_arguments")) {
            DecisionKey decisionKey = new DecisionKey(profile, verdict, guardrail);
            Counter decision = decisions.get(decisionKey);
            if (decision == null) {
                decision = decisions.computeIfAbsent(decisionKey, k -> Counter.builder("cuga.decisions")
                    .description("Decisions on tool calls, by profile, verdict and the deciding guardrail")
                    .tags("profile", k.profile(), "verdict", k.verdict(), "guardrail", k.guardrail())
                    .register(registry));
            }
            decision.increment();
            if (verdict.equals("deny")) {
                DenialKey denialKey = new DenialKey(profile, guardrail);
                Counter denial = denials.get(denialKey);
                if (denial == null) {
                    denial = denials.computeIfAbsent(denialKey, k -> Counter.builder("cuga.denials")
                        .description("Tool calls denied, by profile and the deciding guardrail")
                        .tags("profile", k.profile(), "guardrail", k.guardrail()).register(registry));
                }
                denial.increment();
            }
        }

        // a task is a trace: the first call of a trace id not seen recently starts one
        if (!event.traceId().isEmpty() && recentTraces.putIfAbsent(event.traceId(), Boolean.TRUE) == null) {
            count(tasks, "cuga.tasks", "Tasks (distinct trace ids) whose first tool call ended here, by profile; "
                + "calls per task = rate of cuga_tool_calls_total / rate of this", "profile", profile);
        }
    }

    private void approvalRequested(Event event) {
        count(approvalRequests, "cuga.approval.requests", "Tool calls sent to a human for approval, by profile",
            "profile", profileLabel(event));
        String id = text(event, "approvalId", "");
        if (!id.isEmpty()) {
            requestedAt.putIfAbsent(id, event.time());
        }
    }

    /** An approval decided ({@code approval.received}: approved or rejected) or expired ({@code approval.timeout}). */
    private void approvalEnded(Event event) {
        String outcome = switch (event.status()) {
            case "approved", "rejected", "expired" -> event.status();
            default -> event.type().equals(EventTypes.APPROVAL_TIMEOUT) ? "expired" : "unknown";
        };
        ApprovalKey key = new ApprovalKey(profileLabel(event), outcome);
        Counter counter = approvals.get(key);
        if (counter == null) {
            counter = approvals.computeIfAbsent(key, k -> Counter.builder("cuga.approvals")
                .description("Approvals that ended, by profile and outcome (approved, rejected, expired)")
                .tags("profile", k.profile(), "outcome", k.outcome()).register(registry));
        }
        counter.increment();

        String id = text(event, "approvalId", "");
        Instant requested = instant(event.attributes().get("requestedAt"));
        Instant local = id.isEmpty() ? null : requestedAt.remove(id);
        if (requested == null) {
            requested = local;
        }
        if (requested == null) {
            return; // requested before this server started, and the event does not say when
        }
        Timer wait = approvalWaits.get(key);
        if (wait == null) {
            wait = approvalWaits.computeIfAbsent(key, k -> Timer.builder("cuga.approval.wait")
                .description("How long calls waited for a human, from the approval request to its decision or "
                    + "expiry, by profile and outcome")
                .tags("profile", k.profile(), "outcome", k.outcome()).serviceLevelObjectives(APPROVAL_BUCKETS)
                .register(registry));
        }
        wait.record(Math.max(0, Duration.between(requested, event.time()).toNanos()), TimeUnit.NANOSECONDS);
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof String s && !s.isEmpty()) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private void stats(Event event) {
        String sink = text(event, "sink", "");
        if (sink.isEmpty()) {
            return;
        }
        raise(dropped, "cuga.exporter.dropped.events",
            "Events an exporter lost because its buffer was full (it is slower than the events arrive)", sink,
            event.attributes().get("dropped"));
        raise(failed, "cuga.exporter.failed.events", "Events an exporter failed on (it threw)", sink,
            event.attributes().get("failed"));
    }

    /** Sets a per-sink total to the reported one; totals only grow, so a late or lost report cannot lower it. */
    private void raise(Map<String, AtomicLong> totals, String name, String description, String sink, Object value) {
        AtomicLong total = totals.get(sink);
        if (total == null) {
            total = totals.computeIfAbsent(sink, s -> {
                AtomicLong t = new AtomicLong();
                FunctionCounter.builder(name, t, AtomicLong::doubleValue).description(description).tag("sink", s)
                    .register(registry);
                return t;
            });
        }
        if (value instanceof Number n) {
            total.accumulateAndGet(n.longValue(), Math::max);
        }
    }

    private void count(Map<String, Counter> counters, String name, String description, String tag, String label) {
        counter(counters, name, description, tag, label).increment();
    }

    private Counter counter(Map<String, Counter> counters, String name, String description, String tag,
        String label) {
        Counter counter = counters.get(label);
        if (counter == null) {
            counter = counters.computeIfAbsent(label, l -> Counter.builder(name).description(description)
                .tag(tag, l).register(registry));
        }
        return counter;
    }

    /** @return the event's profile as a label: bounded like the tool names */
    private String profileLabel(Event event) {
        return profileLabel(profile(event));
    }

    /** @return a profile name as a label: the first {@code max.profile.labels} names, then {@code _other} */
    private String profileLabel(String profile) {
        if (profileLabels.contains(profile)) {
            return profile;
        }
        if (profileLabels.size() < maxProfileLabels) {
            profileLabels.add(profile);
            return profile;
        }
        return OTHER_PROFILE;
    }

    private String toolLabel(String tool, String status) {
        if (status.equals("not_found") || tool.isEmpty()) {
            return UNKNOWN_TOOL;
        }
        if (toolLabels.contains(tool)) {
            return tool;
        }
        if (toolLabels.size() < maxToolLabels) {
            toolLabels.add(tool);
            return tool;
        }
        return OTHER_TOOL;
    }

    private double visibleTools() {
        ToolRegistry registry = tools.get();
        if (registry != null) {
            try {
                int n = 0;
                for (ToolInfo info : registry.all()) {
                    if (info.state() == ToolInfo.State.VISIBLE) {
                        n++;
                    }
                }
                return n;
            } catch (RuntimeException e) {
                LOG.debug("The tool registry failed to list tools: {}", e.toString());
            }
        }
        return visibleFromEvents.size();
    }

    private static String profile(Event event) {
        return event.profile().isEmpty() ? text(event, "profile", DEFAULT_PROFILE) : event.profile();
    }

    private static String text(Event event, String key, String fallback) {
        Object value = event.attributes().get(key);
        if (value == null) {
            return fallback;
        }
        String s = value.toString();
        return s.isEmpty() ? fallback : s;
    }

    /** A map of at most {@code max} entries that forgets the oldest first. */
    static final class Recent<K, V> {
        private final int max;
        private final LinkedHashMap<K, V> map = new LinkedHashMap<>();

        Recent(int max) {
            this.max = max;
        }

        /** @return the value there was, or null when the key was added */
        synchronized V putIfAbsent(K key, V value) {
            V there = map.get(key);
            if (there != null) {
                return there;
            }
            map.put(key, value);
            if (map.size() > max) {
                K eldest = map.keySet().iterator().next();
                map.remove(eldest);
            }
            return null;
        }

        synchronized V remove(K key) {
            return map.remove(key);
        }
    }
}
