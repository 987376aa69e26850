package io.cuga.events.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventSink;

/**
 * The {@link EventPublisher}: redacts each event once (configuration {@value #REDACTION_PID}), then offers it to
 * every tracked {@link EventSink}, each through a {@link SinkChannel} of its own (a bounded buffer and one
 * delivery thread). {@link #publish} never blocks and never throws; what does not fit is dropped and counted per
 * sink. Changes in those counts are published as {@value #STATS_EVENT} events (at most once per
 * {@code report.interval.ms} per sink, and for every sink when one connects), which the Prometheus exporter turns
 * into {@code cuga_exporter_dropped_events_total{sink}} and {@code cuga_exporter_failed_events_total{sink}}.
 */
@Component(service = EventPublisher.class, configurationPid = {EventBus.PID, EventBus.REDACTION_PID})
public final class EventBus implements EventPublisher {

    /** The configuration PID of the buffers. */
    public static final String PID = "cuga.events";

    /** The configuration PID of the redacted keys. */
    public static final String REDACTION_PID = "cuga.redaction";

    /** The type of the events reporting a sink's counts. */
    public static final String STATS_EVENT = "exporter.stats";

    /** Default buffer size per sink. */
    static final int DEFAULT_QUEUE_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
    private static final long UNREDACTABLE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long DROP_LOG_INTERVAL_SECONDS = 10;
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(DROP_LOG_INTERVAL_SECONDS);

    private final Object lock = new Object();
    private final Map<EventSink, SinkChannel> bySink = new HashMap<>();
    private final Map<String, long[]> reported = new HashMap<>();
    private final Map<String, long[]> logged = new HashMap<>();
    private final AtomicLong unredactable = new AtomicLong();
    private final ScheduledExecutorService reporter;
    private volatile SinkChannel[] channels = new SinkChannel[0];
    private volatile Redactor redactor;
    private volatile int queueSize;
    private volatile long closeGraceMillis;
    private volatile long lastUnredactableLog;

    /**
     * @param config the buffers' configuration
     * @param redaction the redacted keys
     */
    @Activate
    public EventBus(EventBusConfig config, RedactionConfig redaction) {
        modified(config, redaction);
        long interval = Math.max(50, config.report_interval_ms());
        this.reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-events-stats");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleWithFixedDelay(this::reportChanges, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Applies a configuration change in place: the redacted keys at once, the buffer size to sinks that connect
     * later.
     *
     * @param config the buffers' configuration
     * @param redaction the redacted keys
     */
    @Modified
    void modified(EventBusConfig config, RedactionConfig redaction) {
        List<String> keys = new ArrayList<>();
        for (String value : redaction.keys()) {
            // a .cfg file may deliver a list as one comma-separated string
            for (String key : value == null ? new String[0] : value.split(",")) {
                if (!key.isBlank()) {
                    keys.add(key.trim());
                }
            }
        }
        Redactor next = new Redactor(keys);
        Redactor before = redactor;
        redactor = next;
        if (before == null || !before.keys().equals(next.keys())) {
            if (next.keys().isEmpty()) {
                LOG.warn("{}: no keys are redacted: events leave the process as they are", REDACTION_PID);
            } else {
                LOG.info("Redacting event attributes whose keys end with: {}", String.join(", ", next.keys()));
            }
        }
        int size = config.queue_size();
        if (size <= 0) {
            LOG.warn("{}: queue.size must be positive, not {}; using {}", PID, size, DEFAULT_QUEUE_SIZE);
            size = DEFAULT_QUEUE_SIZE;
        }
        int previousSize = queueSize;
        queueSize = size;
        if (previousSize != 0 && previousSize != size) {
            LOG.info("{}: queue.size is now {}: exporters that connect from now on get buffers of {} events (the"
                + " connected ones keep theirs)", PID, size, size);
        }
        closeGraceMillis = Math.max(1, config.close_grace_ms());
    }

    /** Stops every delivery thread, giving each its grace to deliver what it holds. */
    @Deactivate
    void deactivate() {
        reporter.shutdownNow();
        List<SinkChannel> all;
        synchronized (lock) {
            all = new ArrayList<>(bySink.values());
            bySink.clear();
            channels = new SinkChannel[0];
        }
        for (SinkChannel channel : all) {
            channel.close(closeGraceMillis);
        }
    }

    /**
     * @param sink an exporter
     * @param properties its service properties ({@link EventSink#NAME} names it)
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindEventSink(EventSink sink, Map<String, Object> properties) {
        SinkChannel channel;
        synchronized (lock) {
            if (bySink.containsKey(sink)) {
                return;
            }
            channel = new SinkChannel(uniqueName(nameOf(sink, properties), properties), sink, queueSize);
            bySink.put(sink, channel);
            SinkChannel[] next = Arrays.copyOf(channels, channels.length + 1);
            next[next.length - 1] = channel;
            channel.start();
            channels = next;
        }
        LOG.info("Event exporter '{}' connected (buffer {} events)", channel.name(), channel.capacity());
        // a new sink hears every sink's counts, so a metric of each exists from the start
        for (SinkChannel c : channels) {
            publishStats(c, "active");
        }
    }

    /**
     * @param sink an exporter going away: it may deliver what it holds for {@code close.grace.ms}
     */
    void unbindEventSink(EventSink sink) {
        SinkChannel channel;
        synchronized (lock) {
            channel = bySink.remove(sink);
            if (channel == null) {
                return;
            }
            List<SinkChannel> rest = new ArrayList<>(Arrays.asList(channels));
            rest.remove(channel);
            channels = rest.toArray(new SinkChannel[0]);
        }
        channel.close(closeGraceMillis);
        LOG.info("Event exporter '{}' disconnected: {} delivered, {} dropped, {} failed", channel.name(),
            channel.delivered(), channel.dropped(), channel.failed());
        publishStats(channel, "removed");
    }

    @Override
    public void publish(Event event) {
        publish(event, true);
    }

    private void publish(Event event, boolean counted) {
        SinkChannel[] targets = channels;
        if (targets.length == 0 || event == null) {
            return;
        }
        Event out;
        try {
            out = redactor.redact(event);
        } catch (RuntimeException | StackOverflowError e) {
            // never let an event out unredacted: it is dropped for every sink
            for (SinkChannel channel : targets) {
                channel.countDrop();
            }
            logUnredactable(event, e);
            return;
        }
        for (SinkChannel channel : targets) {
            channel.offer(out, counted);
        }
    }

    /** @return each connected sink's counts, by name (for tests and diagnostics) */
    Map<String, SinkChannel> channels() {
        Map<String, SinkChannel> out = new LinkedHashMap<>();
        for (SinkChannel channel : channels) {
            out.put(channel.name(), channel);
        }
        return out;
    }

    /** @return the current redactor */
    Redactor redactor() {
        return redactor;
    }

    /** Publishes the counts of every sink whose drops or failures changed since the last report. */
    void reportChanges() {
        try {
            for (SinkChannel channel : channels) {
                long[] last;
                synchronized (lock) {
                    last = reported.get(channel.name());
                }
                long dropped = channel.dropped();
                long failed = channel.failed();
                if (last != null && last[0] == dropped && last[1] == failed) {
                    continue;
                }
                publishStats(channel, "active");
                logDrops(channel, dropped);
            }
        } catch (RuntimeException e) {
            LOG.warn("Reporting exporter counts failed: {}", e.toString());
        }
    }

    private void publishStats(SinkChannel channel, String state) {
        long dropped = channel.dropped();
        long failed = channel.failed();
        synchronized (lock) {
            reported.put(channel.name(), new long[] {dropped, failed});
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("sink", channel.name());
        attributes.put("state", state);
        attributes.put("dropped", dropped);
        attributes.put("failed", failed);
        attributes.put("delivered", channel.delivered());
        attributes.put("queued", channel.queued());
        attributes.put("capacity", channel.capacity());
        publish(new Event(STATS_EVENT, Instant.now(), "", "", "", dropped + failed > 0 ? "warning" : "ok", 0,
            attributes), false);
    }

    /** A warning per sink at most every {@value #DROP_LOG_INTERVAL_SECONDS} s, with the drops since the last. */
    private void logDrops(SinkChannel channel, long dropped) {
        long now = System.nanoTime();
        long[] last;
        synchronized (lock) {
            last = logged.computeIfAbsent(channel.name(), k -> new long[] {0, now - DROP_LOG_INTERVAL_NANOS});
        }
        if (dropped > last[0] && now - last[1] >= DROP_LOG_INTERVAL_NANOS) {
            LOG.warn("Event exporter '{}' dropped {} event(s) since the last report ({} in all): its buffer of {} "
                + "was full, it is slower than the events arrive", channel.name(), dropped - last[0], dropped,
                channel.capacity());
            last[0] = dropped;
            last[1] = now;
        }
    }

    private void logUnredactable(Event event, Throwable e) {
        long count = unredactable.incrementAndGet();
        long now = System.nanoTime();
        if (lastUnredactableLog == 0 || now - lastUnredactableLog >= UNREDACTABLE_LOG_INTERVAL_NANOS) {
            lastUnredactableLog = now == 0 ? 1 : now;
            LOG.warn("An event of type '{}' could not be redacted and was dropped ({} so far): {}", event.type(),
                count, e.toString());
        }
    }

    private static String nameOf(EventSink sink, Map<String, Object> properties) {
        Object name = properties.get(EventSink.NAME);
        if (name instanceof String s && !s.isBlank()) {
            return s.trim();
        }
        Object component = properties.get("component.name");
        if (component instanceof String s && !s.isBlank()) {
            return s;
        }
        return sink.getClass().getSimpleName().isEmpty() ? sink.getClass().getName()
            : sink.getClass().getSimpleName();
    }

    /** Caller holds the lock. */
    private String uniqueName(String name, Map<String, Object> properties) {
        for (SinkChannel channel : bySink.values()) {
            if (channel.name().equals(name)) {
                return name + "#" + properties.getOrDefault("service.id", bySink.size());
            }
        }
        return name;
    }
}
