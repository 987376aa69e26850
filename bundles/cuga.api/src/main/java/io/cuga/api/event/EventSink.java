package io.cuga.api.event;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An exporter of events (a JSON Lines file, Prometheus, OpenTelemetry, the server-sent events stream).
 * Register it as a service; the publisher delivers every event to it from its own buffer, on a thread of the
 * platform, in order. It may be slow or fail: that costs only its own events.
 */
@ConsumerType
public interface EventSink {

    /** Service property: a short name of the exporter, shown in the drop metrics. */
    String NAME = "cuga.event.sink.name";

    /** @param event an event, already redacted */
    void accept(Event event);
}
