package io.cuga.exporter.otel.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventSink;

/**
 * The OpenTelemetry exporter: an {@link EventSink} (name {@value #NAME}) that turns tool call and agent task
 * events into spans ({@link SpanMapper}) and sends them over OTLP/HTTP ({@link TracePipeline}). Without an
 * endpoint it idles: it logs why once and ignores events. Its own export queue reports its drops and failures
 * as {@code exporter.stats} events of sink {@value #SPANS_SINK}, which the Prometheus exporter counts.
 */
@Component(service = EventSink.class, immediate = true, configurationPid = OtelConfig.PID,
    property = EventSink.NAME + "=" + OtelExporter.NAME)
@Designate(ocd = OtelConfig.class)
public class OtelExporter implements EventSink {

    static final String NAME = "otel";
    /** The name under which the span queue's counts are reported. */
    static final String SPANS_SINK = "otel.spans";
    static final String STATS_EVENT = "exporter.stats";

    private static final Logger LOG = LoggerFactory.getLogger(OtelExporter.class);
    private static final long REPORT_INTERVAL_NANOS = 1_000_000_000L;
    private static final long FAILURE_LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final String version;
    private volatile Pipeline pipeline;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    volatile EventPublisher events;

    @Activate
    public OtelExporter(BundleContext context, OtelConfig config) {
        this.version = context.getBundle().getVersion().toString();
        this.pipeline = start(Settings.resolve(config, System.getenv()), version);
    }

    /** For tests: a pipeline on the given settings without a framework. */
    OtelExporter(Settings settings) {
        this.version = "0.0.0";
        this.pipeline = settings.enabled() ? new Pipeline(settings, new TracePipeline(settings, version)) : null;
    }

    @Modified
    void modified(OtelConfig config) {
        Pipeline old = pipeline;
        pipeline = start(Settings.resolve(config, System.getenv()), version);
        if (old != null) {
            old.trace.close();
        }
    }

    @Deactivate
    void deactivate() {
        Pipeline old = pipeline;
        pipeline = null;
        if (old != null) {
            old.trace.close();
            old.report(events, true);
        }
    }

    private static Pipeline start(Settings settings, String version) {
        if (!settings.enabled()) {
            LOG.info("OpenTelemetry exporter idle: {}", settings.idleReason());
            return null;
        }
        try {
            Pipeline p = new Pipeline(settings, new TracePipeline(settings, version));
            LOG.info("OpenTelemetry exporter sends spans of service '{}' to {} (sampler {}, queue {}, batch {}, "
                + "delay {} ms, content {})", settings.serviceName(), settings.endpoint(), settings.sampler(),
                settings.maxQueueSize(), settings.maxBatchSize(), settings.scheduleDelayMillis(),
                settings.captureContent() ? "captured" : "not captured");
            return p;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("OpenTelemetry exporter idle: it could not be set up for {}: {}", settings.endpoint(),
                String.valueOf(e));
            return null;
        }
    }

    @Override
    public void accept(Event event) {
        Pipeline p = pipeline;
        if (p == null) {
            return;
        }
        SpanSpec spec = p.mapper.map(event);
        if (spec != null) {
            p.trace.emit(spec);
        }
        p.report(events, false);
    }

    /** @return the span queue (tests) */
    BoundedExport batches() {
        Pipeline p = pipeline;
        return p == null ? null : p.trace.batches();
    }

    /** The live SDK with the mapper of its settings, and what was last reported of its counts. */
    private static final class Pipeline {
        final Settings settings;
        final TracePipeline trace;
        final SpanMapper mapper;
        long reportedDropped;
        long reportedFailed;
        long lastReport = System.nanoTime() - REPORT_INTERVAL_NANOS;
        long lastFailureLog = System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS;

        Pipeline(Settings settings, TracePipeline trace) {
            this.settings = settings;
            this.trace = trace;
            this.mapper = new SpanMapper(settings.captureContent(), settings.maxContentLength());
        }

        /**
         * Publishes the queue's counts when drops or failures grew (at most once a second), and logs a failed
         * export at most once a minute. Runs on the publisher's delivery thread.
         */
        void report(EventPublisher publisher, boolean last) {
            long now = System.nanoTime();
            if (!last && now - lastReport < REPORT_INTERVAL_NANOS) {
                return;
            }
            BoundedExport b = trace.batches();
            long dropped = b.dropped();
            long failed = b.failed();
            Throwable failure = b.takeFailure();
            if (failure != null || failed > reportedFailed) {
                if (now - lastFailureLog >= FAILURE_LOG_INTERVAL_NANOS) {
                    lastFailureLog = now;
                    LOG.warn("OpenTelemetry export to {} failed: {} spans lost so far ({})", settings.endpoint(),
                        failed, failure == null ? "no detail" : String.valueOf(failure));
                }
            }
            if (dropped == reportedDropped && failed == reportedFailed && !last) {
                return;
            }
            lastReport = now;
            reportedDropped = dropped;
            reportedFailed = failed;
            if (publisher == null) {
                return;
            }
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("sink", SPANS_SINK);
            attributes.put("state", last ? "removed" : "active");
            attributes.put("dropped", dropped);
            attributes.put("failed", failed);
            attributes.put("delivered", b.exported());
            attributes.put("queued", b.queued());
            attributes.put("capacity", b.capacity());
            publisher.publish(new Event(STATS_EVENT, Instant.now(), "", "", "", dropped + failed > 0 ? "warning"
                : "ok", 0, attributes));
        }
    }
}
