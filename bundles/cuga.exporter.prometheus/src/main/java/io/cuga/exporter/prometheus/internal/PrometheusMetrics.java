package io.cuga.exporter.prometheus.internal;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    }

    /** Tags of one call counter. */
    private record CallKey(String tool, String status, String verdict) {
    }

    /** Tags of one duration timer. */
    private record DurationKey(String tool, String status) {
    }

    /** Tags of one decision counter. */
    private record DecisionKey(String verdict, String guardrail) {
    }

    private final PrometheusMeterRegistry registry;
    private final int maxToolLabels;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<CallKey, Counter> calls = new ConcurrentHashMap<>();
    private final Map<DurationKey, Timer> durations = new ConcurrentHashMap<>();
    private final Map<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<String, Counter> denials = new ConcurrentHashMap<>();
    private final Map<String, Counter> reloads = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
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

    /** @return the registry, for the servlet */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void accept(Event event) {
        String type = event.type();
        switch (type) {
            case EventTypes.TOOL_CALL_COMPLETE, EventTypes.TOOL_CALL_ERROR -> call(event);
            case EventTypes.TOOL_ADDED -> visibleFromEvents.add(text(event, "tool", ""));
            case EventTypes.TOOL_REMOVED -> visibleFromEvents.remove(text(event, "tool", ""));
            case EventTypes.POLICY_RELOADED -> count(reloads, "cuga.policy.reloads",
                "Policies activated (loaded or reloaded), by profile", profile(event));
            case EventTypes.POLICY_REJECTED -> count(rejections, "cuga.policy.rejections",
                "Policy documents refused (the previous policy stays active), by profile", profile(event));
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

        CallKey callKey = new CallKey(tool, status, verdict);
        Counter counter = calls.get(callKey);
        if (counter == null) {
            counter = calls.computeIfAbsent(callKey, k -> Counter.builder("cuga.tool.calls")
                .description("Guarded tool calls by tool, outcome status and the verdict they ran under")
                .tags("tool", k.tool(), "status", k.status(), "verdict", k.verdict()).register(registry));
        }
        counter.increment();

        DurationKey durationKey = new DurationKey(tool, status);
        Timer timer = durations.get(durationKey);
        if (timer == null) {
            timer = durations.computeIfAbsent(durationKey, k -> Timer.builder("gen_ai.execute_tool.duration")
                .description("Duration of guarded tool calls, from dispatch to outcome, by tool and outcome status")
                .tags("tool", k.tool(), "status", k.status()).serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry));
        }
        timer.record(Math.max(0, event.durationNanos()), TimeUnit.NANOSECONDS);

        // calls that stopped before the guardrail chain (unknown tool, schema violation) took no decision
        if (!status.equals("not_found") && !status.equals("invalid_arguments")) {
            DecisionKey decisionKey = new DecisionKey(verdict, guardrail);
            Counter decision = decisions.get(decisionKey);
            if (decision == null) {
                decision = decisions.computeIfAbsent(decisionKey, k -> Counter.builder("cuga.decisions")
                    .description("Decisions on tool calls, by verdict and the deciding guardrail")
                    .tags("verdict", k.verdict(), "guardrail", k.guardrail()).register(registry));
            }
            decision.increment();
            if (verdict.equals("deny")) {
                count(denials, "cuga.denials", "Tool calls denied, by the deciding guardrail", guardrail);
            }
        }
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

    private void count(Map<String, Counter> counters, String name, String description, String label) {
        Counter counter = counters.get(label);
        if (counter == null) {
            String tag = name.equals("cuga.denials") ? "guardrail" : "profile";
            counter = counters.computeIfAbsent(label, l -> Counter.builder(name).description(description)
                .tag(tag, l).register(registry));
        }
        counter.increment();
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
        return event.profile().isEmpty() ? text(event, "profile", "default") : event.profile();
    }

    private static String text(Event event, String key, String fallback) {
        Object value = event.attributes().get(key);
        if (value == null) {
            return fallback;
        }
        String s = value.toString();
        return s.isEmpty() ? fallback : s;
    }
}
