package io.cuga.events.internal;

import java.util.Map;

import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventSink;
import io.cuga.exporter.otel.internal.Configs;

/** The real publisher of cuga.events with its default configuration, wired by hand as DS would. */
public final class RealBus implements AutoCloseable {

    private final EventBus bus = new EventBus(Configs.defaults(EventBusConfig.class),
        Configs.defaults(RedactionConfig.class));

    public EventPublisher publisher() {
        return bus;
    }

    public void add(EventSink sink, String name) {
        bus.bindEventSink(sink, Map.of(EventSink.NAME, name));
    }

    public void remove(EventSink sink) {
        bus.unbindEventSink(sink);
    }

    @Override
    public void close() {
        bus.deactivate();
    }
}
