package io.cuga.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;

class EventsPluginTest {

    static EventsPlugin plugin(int bufferSize) {
        return new EventsPlugin(new EventsPlugin.Config() {
            @Override
            public int buffer_size() {
                return bufferSize;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return EventsPlugin.Config.class;
            }
        });
    }

    static Event call(int i) {
        return new Event("tool.call.complete", Instant.parse("2026-11-27T10:00:00Z"), "", "default", "", "ok",
            1_000_000, Map.of("tool", "calculator", "n", i));
    }

    @Test
    void thePageOpensWithTheEventsThatCameBeforeItNewestFirstAndBounded() {
        EventsPlugin plugin = plugin(20);
        // events while nobody looks at the page
        for (int i = 1; i <= 25; i++) {
            plugin.accept(call(i));
        }
        plugin.accept(new Event("policy.reloaded", Instant.parse("2026-11-27T10:00:01Z"), "", "finance", "", "ok",
            0, Map.of("version", 2)));

        Html page = new Html();
        plugin.table(page, "/system/console/cuga-events/feed");
        String html = page.toString();
        assertThat(html).contains("data-last=\"26\"").contains("<tr data-type=\"policy.reloaded\">")
            .contains("<td>26</td>").contains("<td>7</td>").doesNotContain("<td>6</td>");
        assertThat(html.indexOf("<td>26</td>")).as("newest first").isLessThan(html.indexOf("<td>7</td>"));
        assertThat(html.split("<tr data-type=", -1)).hasSize(21);
    }

    @Test
    void aNewReaderOfTheFeedGetsTheRecentHistoryThenOnlyWhatCameSince() {
        EventsPlugin plugin = plugin(10);
        for (int i = 1; i <= 15; i++) {
            plugin.accept(call(i));
        }
        Map<String, Object> first = plugin.feed(0);
        assertThat(first.get("last")).isEqualTo(15L);
        assertThat(first.get("missed")).isEqualTo(0L);
        List<?> events = (List<?>) first.get("events");
        assertThat(events).hasSize(10);
        assertThat(((Map<?, ?>) events.get(0)).get("seq")).isEqualTo(6L);
        assertThat(((Map<?, ?>) events.get(0)).get("attributes")).isEqualTo(Map.of("tool", "calculator", "n", 6));

        plugin.accept(call(16));
        List<?> next = (List<?>) plugin.feed(15).get("events");
        assertThat(next).hasSize(1);
        assertThat(((Map<?, ?>) next.get(0)).get("seq")).isEqualTo(16L);
    }
}
