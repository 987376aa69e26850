package io.cuga.api.event;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where components emit events. {@link #publish(Event)} never blocks and never throws: events go into bounded
 * buffers, one per exporter, and what does not fit is dropped and counted, so a slow or failing exporter never
 * slows or fails a tool call.
 */
@ProviderType
public interface EventPublisher {

    /** @param event the event to deliver to every exporter */
    void publish(Event event);
}
