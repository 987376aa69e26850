package io.cuga.exporter.otel.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The OpenTelemetry SDK as this exporter uses it, built explicitly (no ServiceLoader, no global): an
 * {@link SdkTracerProvider} whose ids are the ones {@link SpanIds} derives, the sampler of the settings, and a
 * {@link BoundedExport} in front of an {@link OtlpHttpSpanExporter} on the JDK HTTP client. One scheduler thread
 * ({@code cuga-otel-export}) runs the HTTP requests and the schedule-delay tick.
 */
final class TracePipeline implements AutoCloseable {

    private static final String SCOPE = "io.cuga.exporter.otel";

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final SpanExporter exporter;
    private final BoundedExport batches;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ScheduledFuture<?> ticks;
    private final PresetIds ids = new PresetIds();

    /**
     * @param settings the settings (enabled)
     * @param serviceVersion the service.version resource attribute
     */
    TracePipeline(Settings settings, String serviceVersion) {
        this(settings, serviceVersion, null);
    }

    /** @param exporter the exporter to use instead of OTLP/HTTP (tests), or null */
    TracePipeline(Settings settings, String serviceVersion, SpanExporter exporter) {
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cuga-otel-export" + (threads.incrementAndGet() > 1 ? "-" + threads.get() : ""));
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.exporter = exporter != null ? exporter : otlp(settings, scheduler);
        this.batches = new BoundedExport(this.exporter, scheduler, settings.maxQueueSize(), settings.maxBatchSize());
        AttributesBuilder resource = Attributes.builder()
            .put("service.name", settings.serviceName())
            .put("service.version", serviceVersion);
        for (Map.Entry<String, String> e : settings.resource().entrySet()) {
            resource.put(e.getKey(), e.getValue());
        }
        this.provider = SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
            .setIdGenerator(ids)
            .setSampler(sampler(settings))
            .setMeterProvider(MeterProvider::noop)
            .addSpanProcessor(batches)
            .build();
        this.tracer = provider.get(SCOPE);
        this.ticks = scheduler.scheduleWithFixedDelay(batches::tick, settings.scheduleDelayMillis(),
            settings.scheduleDelayMillis(), TimeUnit.MILLISECONDS);
    }

    private static SpanExporter otlp(Settings settings, ScheduledThreadPoolExecutor scheduler) {
        OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder()
            .setEndpoint(settings.endpoint())
            .setTimeout(Duration.ofMillis(settings.timeoutMillis()))
            .setCompression(settings.compression())
            .setMeterProvider(MeterProvider::noop)
            .setExecutorService(scheduler)
            // the JDK HttpClient sender, named, never looked up through ServiceLoader
            .setComponentLoader(new ComponentLoader() {
                @Override
                @SuppressWarnings("unchecked")
                public <T> Iterable<T> load(Class<T> type) {
                    return type == HttpSenderProvider.class ? List.of((T) new JdkHttpSenderProvider()) : List.of();
                }
            });
        settings.headers().forEach(builder::addHeader);
        return builder.build();
    }

    static Sampler sampler(Settings settings) {
        Sampler ratio = Sampler.traceIdRatioBased(settings.samplerRatio());
        return switch (settings.sampler()) {
            case "always_on" -> Sampler.alwaysOn();
            case "always_off" -> Sampler.alwaysOff();
            case "traceidratio" -> ratio;
            case "parentbased_always_off" -> Sampler.parentBased(Sampler.alwaysOff());
            case "parentbased_traceidratio" -> Sampler.parentBased(ratio);
            default -> Sampler.parentBased(Sampler.alwaysOn());
        };
    }

    /**
     * Records a span and its children, with their own ids and times. Called on one thread at a time.
     *
     * @param spec the span
     */
    void emit(SpanSpec spec) {
        SpanContext parent = spec.parentSpanId() == null ? SpanContext.getInvalid()
            : SpanContext.createFromRemoteParent(spec.traceId(), spec.parentSpanId(), TraceFlags.getSampled(),
                TraceState.getDefault());
        emit(spec, parent);
    }

    private void emit(SpanSpec spec, SpanContext parent) {
        ids.preset(spec.traceId(), spec.spanId());
        Span span;
        try {
            var builder = tracer.spanBuilder(spec.name())
                .setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(spec.startEpochNanos(), TimeUnit.NANOSECONDS)
                .setAllAttributes(spec.attributes());
            if (parent.isValid()) {
                builder.setParent(Context.root().with(Span.wrap(parent)));
            } else {
                builder.setNoParent();
            }
            span = builder.startSpan();
        } finally {
            ids.clear();
        }
        if (spec.error()) {
            span.setStatus(StatusCode.ERROR, spec.statusMessage());
        }
        for (SpanSpec child : spec.children()) {
            emit(child, span.getSpanContext());
        }
        span.end(Math.max(spec.endEpochNanos(), spec.startEpochNanos()), TimeUnit.NANOSECONDS);
    }

    BoundedExport batches() {
        return batches;
    }

    /** Sends what waits (for at most {@code timeoutMillis}), then stops the SDK and the scheduler. */
    void close(long timeoutMillis) {
        ticks.cancel(false);
        provider.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
        batches.drain(timeoutMillis);
        exporter.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
        scheduler.shutdownNow();
    }

    @Override
    public void close() {
        close(2000);
    }

    /** Hands the SDK the ids {@link SpanIds} derived, for the span being started on this thread. */
    private static final class PresetIds implements IdGenerator {
        private final ThreadLocal<String[]> next = new ThreadLocal<>();

        void preset(String traceId, String spanId) {
            next.set(new String[] {traceId, spanId});
        }

        void clear() {
            next.remove();
        }

        @Override
        public String generateSpanId() {
            String[] ids = next.get();
            return ids != null ? ids[1] : IdGenerator.random().generateSpanId();
        }

        @Override
        public String generateTraceId() {
            String[] ids = next.get();
            return ids != null ? ids[0] : IdGenerator.random().generateTraceId();
        }

        @Override
        public boolean generatesRandomTraceIds() {
            return false;
        }
    }
}
