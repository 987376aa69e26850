package io.cuga.events.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** How events are buffered for the exporters (PID {@value EventBus#PID}). */
@ObjectClassDefinition(pid = EventBus.PID, name = "cuga events",
    description = "The event publisher: one bounded buffer and one delivery thread per exporter (EventSink). "
        + "What does not fit in an exporter's buffer is dropped and counted (cuga_exporter_dropped_events_total).")
public @interface EventBusConfig {

    /** @return the most events waiting for one exporter */
    @AttributeDefinition(name = "Buffer size",
        description = "The most events waiting for one exporter; more are dropped and counted. Applies to "
            + "exporters that connect after the change.")
    int queue_size() default EventBus.DEFAULT_QUEUE_SIZE;

    /** @return how often drop counts are reported, in ms */
    @AttributeDefinition(name = "Drop report interval (ms)",
        description = "How often, at most, a change in an exporter's drop or failure counts is published as an "
            + "exporter.stats event (and logged).")
    long report_interval_ms() default 1000;

    /** @return how long a removed exporter may go on delivering what it has buffered, in ms */
    @AttributeDefinition(name = "Removal grace (ms)",
        description = "When an exporter goes away, how long it may go on delivering its buffered events.")
    long close_grace_ms() default 1000;
}
