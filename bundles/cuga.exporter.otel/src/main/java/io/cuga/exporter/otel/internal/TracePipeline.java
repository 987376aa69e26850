package io.cuga.exporter.otel.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.sender.jdk.internal.JdkHttpSenderProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.ProxyOptions;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;

/**
 * The trace pipeline of this exporter, built explicitly (no ServiceLoader, no global): the OpenTelemetry SDK's
 * {@link Sampler} of the settings decides per span tree, each span is written as an OTLP protobuf {@code Span}
 * straight from its {@link SpanSpec} ({@link OtlpProto}; ids are the ones {@link SpanIds} derives), a
 * {@link BoundedExport} batches them, and the SDK's OTLP/HTTP sender on the JDK HTTP client
 * ({@link HttpSender}, with the SDK's default retry policy) posts each batch as one
 * {@code ExportTraceServiceRequest}. One scheduler thread ({@code cuga-otel-export}) runs the HTTP requests and
 * the schedule-delay tick.
 *
 * <p>Why not SDK span objects and the SDK's span exporter: each call gives 8 spans (its tool span and one per
 * guardrail), and building, copying and marshalling them the SDK's way cost about 30 µs of CPU per call, most of
 * the exporter's share of a guarded call (docs/benchmarks.md). Written from the events, with each guardrail
 * decision's name, attributes and status encoded once, the same spans cost a few µs.
 */
final class TracePipeline implements AutoCloseable {

    private static final String SCOPE = "io.cuga.exporter.otel";
    private static final String CONTENT_TYPE = "application/x-protobuf";
    private static final Compressor GZIP = new Compressor() {
        @Override
        public String getEncoding() {
            return "gzip";
        }

        @Override
        public OutputStream compress(OutputStream out) throws IOException {
            return new GZIPOutputStream(out);
        }
    };

    private final Sampler sampler;
    private final byte[][] header;
    private final HttpSender sender;
    private final BoundedExport batches;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ScheduledFuture<?> ticks;
    /** the buffer spans are written into, on the one thread that emits */
    private final OtlpProto out = new OtlpProto();

    /**
     * @param settings the settings (enabled)
     * @param serviceVersion the service.version resource attribute
     */
    TracePipeline(Settings settings, String serviceVersion) {
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cuga-otel-export" + (threads.incrementAndGet() > 1 ? "-" + threads.get() : ""));
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.sender = new JdkHttpSenderProvider().createSender(new SenderConfig(settings, serviceVersion, scheduler));
        this.batches = new BoundedExport(this::send, scheduler, settings.maxQueueSize(), settings.maxBatchSize());
        AttributesBuilder resource = Attributes.builder()
            .put("service.name", settings.serviceName())
            .put("service.version", serviceVersion);
        for (Map.Entry<String, String> e : settings.resource().entrySet()) {
            resource.put(e.getKey(), e.getValue());
        }
        this.header = OtlpProto.header(Resource.getDefault().merge(Resource.create(resource.build())).getAttributes(),
            SCOPE, null);
        this.sampler = sampler(settings);
        this.ticks = scheduler.scheduleWithFixedDelay(batches::tick, settings.scheduleDelayMillis(),
            settings.scheduleDelayMillis(), TimeUnit.MILLISECONDS);
    }

    /** One batch as one request; the result completes when the collector answered (after any retries). */
    private CompletableResultCode send(List<byte[]> spans) {
        byte[] body = OtlpProto.request(header, spans);
        CompletableResultCode result = new CompletableResultCode();
        sender.send(new MessageWriter() {
            @Override
            public void writeMessage(OutputStream output) throws IOException {
                output.write(body);
            }

            @Override
            public int getContentLength() {
                return body.length;
            }
        }, response -> {
            int status = response.getStatusCode();
            if (status >= 200 && status < 300) {
                result.succeed();
            } else {
                result.failExceptionally(new IOException("the collector answered HTTP " + status + " "
                    + response.getStatusMessage()));
            }
        }, result::failExceptionally);
        return result;
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
     * Queues a span and its children, with their own ids and times, when the sampler samples it (one decision for
     * the tree: its spans share the trace, and each child's parent is sampled). Called on one thread at a time.
     *
     * @param spec the span
     */
    void emit(SpanSpec spec) {
        boolean remoteParent = spec.parentSpanId() != null;
        Context parent = remoteParent ? Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
            spec.traceId(), spec.parentSpanId(), spec.parentSampled() ? TraceFlags.getSampled()
                : TraceFlags.getDefault(), TraceState.getDefault()))) : Context.root();
        if (sampler.shouldSample(parent, spec.traceId(), spec.name(), SpanKind.INTERNAL, spec.attributes(), List.of())
            .getDecision() != SamplingDecision.RECORD_AND_SAMPLE) {
            return;
        }
        write(spec, OtlpProto.idBytes(spec.traceId()), spec.parentSpanId(), remoteParent);
    }

    private void write(SpanSpec spec, byte[] traceId, String parentSpanId, boolean remoteParent) {
        batches.add(out.reset().span(spec, traceId, parentSpanId, remoteParent).toByteArray());
        for (SpanSpec child : spec.children()) {
            write(child, traceId, spec.spanId(), false);
        }
    }

    BoundedExport batches() {
        return batches;
    }

    /** Sends what waits (for at most {@code timeoutMillis}), then stops the sender and the scheduler. */
    void close(long timeoutMillis) {
        ticks.cancel(false);
        batches.drain(timeoutMillis);
        sender.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
        scheduler.shutdownNow();
    }

    @Override
    public void close() {
        close(2000);
    }

    /** How the SDK's HTTP sender posts: the settings' endpoint, headers, compression and timeout. */
    private static final class SenderConfig implements HttpSenderConfig {
        private final Settings settings;
        private final Map<String, List<String>> headers;
        private final ExecutorService executor;

        SenderConfig(Settings settings, String version, ExecutorService executor) {
            this.settings = settings;
            this.executor = executor;
            Map<String, List<String>> h = new LinkedHashMap<>();
            h.put("User-Agent", List.of("cuga-otel-exporter/" + version));
            settings.headers().forEach((k, v) -> h.put(k, List.of(v)));
            this.headers = Map.copyOf(h);
        }

        @Override
        public URI getEndpoint() {
            return URI.create(settings.endpoint());
        }

        @Override
        public String getContentType() {
            return CONTENT_TYPE;
        }

        @Override
        public Compressor getCompressor() {
            return settings.compression().equals("gzip") ? GZIP : null;
        }

        @Override
        public Duration getTimeout() {
            return Duration.ofMillis(settings.timeoutMillis());
        }

        @Override
        public Duration getConnectTimeout() {
            return Duration.ofMillis(Math.min(settings.timeoutMillis(), 10_000));
        }

        @Override
        public Supplier<Map<String, List<String>>> getHeadersSupplier() {
            return () -> headers;
        }

        @Override
        public ProxyOptions getProxyOptions() {
            return null;
        }

        @Override
        public RetryPolicy getRetryPolicy() {
            return RetryPolicy.getDefault();
        }

        @Override
        public javax.net.ssl.SSLContext getSslContext() {
            return null;
        }

        @Override
        public javax.net.ssl.X509TrustManager getTrustManager() {
            return null;
        }

        @Override
        public ExecutorService getExecutorService() {
            return executor;
        }
    }
}
