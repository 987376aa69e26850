package io.cuga.exporter.jsonl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.event.Event;

class EventJsonTest {

    @Test
    void timesAreWrittenExactlyAsIsoInstantPrintsThem() {
        EventJson json = new EventJson();
        for (String text : List.of("2026-11-27T10:15:30Z", "2026-11-27T10:15:30.100Z", "2026-11-27T10:15:30.000001Z",
            "2026-11-27T10:15:30.123456789Z", "2026-11-27T10:15:30.000000001Z", "2026-11-27T10:15:31.999Z",
            "1970-01-01T00:00:00Z", "2026-12-31T23:59:59.5Z", "+12026-01-01T00:00:00.25Z")) {
            Instant instant = Instant.parse(text);
            assertThat(json.timeText(instant)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(instant));
        }
        Instant now = Instant.now();
        for (int i = 0; i < 10_000; i++) {
            Instant t = now.plusNanos(i * 7_919_117L);
            assertThat(json.timeText(t)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(t));
        }
    }

    @Test
    void stringsOfAnyCharactersComeBackAsTheyWere() throws Exception {
        EventJson json = new EventJson();
        ObjectMapper mapper = new ObjectMapper();
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 2000; round++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                switch (random.nextInt(6)) {
                    case 0 -> s.append((char) random.nextInt(0x20));          // control characters
                    case 1 -> s.append("\"\\/".charAt(random.nextInt(3)));  // quote, backslash, slash
                    case 2 -> s.append((char) (0x80 + random.nextInt(0x780))); // two UTF-8 bytes
                    case 3 -> s.append((char) (0x800 + random.nextInt(0xD000))); // three
                    case 4 -> s.appendCodePoint(0x10000 + random.nextInt(0xFFFFF)); // four: a surrogate pair
                    default -> s.append((char) (0x20 + random.nextInt(0x5F)));
                }
            }
            String text = s.toString();
            json.write(new Event(text, Instant.EPOCH, "", "", "", "", 0, Map.of(text, List.of(text, Map.of("k", text)))));
            com.fasterxml.jackson.databind.JsonNode node = mapper.readTree(json.text());
            assertThat(node.path("type").asText()).isEqualTo(text);
            assertThat(node.path("attributes").path(text).path(0).asText()).isEqualTo(text);
            assertThat(node.path("attributes").path(text).path(1).path("k").asText()).isEqualTo(text);
        }
        // a lone surrogate cannot be encoded: it becomes U+FFFD, the rest stays
        json.write(new Event("a\uD800b", Instant.EPOCH, "", "", "", "", 0, Map.of()));
        assertThat(mapper.readTree(json.text()).path("type").asText()).isEqualTo("a\uFFFDb");
    }

    @Test
    void numbersAndOtherValues() throws Exception {
        EventJson json = new EventJson();
        json.write(new Event("n", Instant.EPOCH, "", "", "", "", -5, Map.of("i", 1, "l", Long.MIN_VALUE, "d", 0.1,
            "f", 1.5f, "big", new java.math.BigDecimal("1e400"), "inf", Double.POSITIVE_INFINITY, "t", true,
            "obj", java.time.Duration.ofSeconds(3))));
        com.fasterxml.jackson.databind.JsonNode a = new ObjectMapper().readTree(json.text()).path("attributes");
        assertThat(a.path("i").asInt()).isEqualTo(1);
        assertThat(a.path("l").asLong()).isEqualTo(Long.MIN_VALUE);
        assertThat(a.path("d").asDouble()).isEqualTo(0.1);
        assertThat(a.path("f").asDouble()).isEqualTo(1.5);
        assertThat(json.text()).contains("\"big\":1E+400");
        assertThat(a.path("inf").asText()).isEqualTo("Infinity");
        assertThat(a.path("t").asBoolean()).isTrue();
        assertThat(a.path("obj").asText()).isEqualTo("PT3S");
        assertThat(new ObjectMapper().readTree(json.text()).path("durationNanos").asLong()).isEqualTo(-5);
    }

    @Test
    void aWriterIsReusedEventAfterEventAndSurvivesAValueThatThrows() throws Exception {
        EventJson json = new EventJson();
        Object hostile = new Object() {
            @Override
            public String toString() {
                throw new IllegalStateException("no text today");
            }
        };
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < 3; i++) {
            json.write(new Event("a", Instant.EPOCH, "", "", "", "", i, Map.of("i", i)));
            assertThat(mapper.readTree(json.text()).path("durationNanos").asInt()).isEqualTo(i);
            assertThat(json.text()).doesNotContain("\n").startsWith("{\"type\":\"a\"");
            assertThatThrownBy(() -> json.write(new Event("b", Instant.EPOCH, "", "", "", "", 0,
                Map.of("bad", hostile)))).isInstanceOf(IllegalStateException.class);
        }
        json.write(new Event("c", Instant.EPOCH, "", "", "", "", 0, Map.of()));
        assertThat(mapper.readTree(json.text()).path("type").asText()).isEqualTo("c");
    }
}
