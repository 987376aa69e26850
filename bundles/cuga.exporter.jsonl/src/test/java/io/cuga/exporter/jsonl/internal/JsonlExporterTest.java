package io.cuga.exporter.jsonl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.event.Event;
import io.cuga.events.internal.RealBus;

class JsonlExporterTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    JsonlExporter exporter(Map<String, Object> overrides) {
        return new JsonlExporter(tmp.resolve("data/events/events.jsonl"),
            Configs.of(JsonlExporter.Config.class, overrides));
    }

    static Event event(int n) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("tool", "calculator");
        attributes.put("n", n);
        return new Event("tool.call.complete", Instant.parse("2026-11-27T10:15:30.123456789Z"),
            "4bf92f3577b34da6a3ce929d0e0e4736", "default", "s-1", "ok", 1_500_000, attributes);
    }

    static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void writesOneJsonObjectPerLineWithEveryField() throws Exception {
        JsonlExporter exporter = exporter(Map.of());
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of(1, 2.5, "three", true));
        nested.put("map", Map.of("k", "v"));
        nested.put("nothing", null);
        nested.put("decimal", new BigDecimal("12345678901234567890.5"));
        nested.put("array", new Object[] {"a", 1});
        nested.put("other", Instant.parse("2026-01-02T03:04:05Z"));
        nested.put("nan", Double.NaN);
        nested.put("text", "line\nbreak \"quoted\" ü");
        exporter.accept(event(1));
        exporter.accept(new Event("tool.added", Instant.parse("2026-11-27T10:15:31Z"), "", "", "", "", 0, nested));
        exporter.deactivate();

        Path file = tmp.resolve("data/events/events.jsonl");
        List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(raw).hasSize(2);
        JsonNode first = JSON.readTree(raw.get(0));
        assertThat(first.path("type").asText()).isEqualTo("tool.call.complete");
        assertThat(first.path("time").asText()).isEqualTo("2026-11-27T10:15:30.123456789Z");
        assertThat(first.path("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(first.path("profile").asText()).isEqualTo("default");
        assertThat(first.path("session").asText()).isEqualTo("s-1");
        assertThat(first.path("status").asText()).isEqualTo("ok");
        assertThat(first.path("durationNanos").asLong()).isEqualTo(1_500_000);
        assertThat(first.path("attributes").path("n").asInt()).isEqualTo(1);

        JsonNode second = JSON.readTree(raw.get(1)).path("attributes");
        assertThat(second.path("list").toString()).isEqualTo("[1,2.5,\"three\",true]");
        assertThat(second.path("map").path("k").asText()).isEqualTo("v");
        assertThat(second.path("nothing").isNull()).isTrue();
        assertThat(raw.get(1)).contains("\"decimal\":12345678901234567890.5");
        assertThat(second.path("array").toString()).isEqualTo("[\"a\",1]");
        assertThat(second.path("other").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(second.path("nan").asText()).isEqualTo("NaN");
        assertThat(second.path("text").asText()).isEqualTo("line\nbreak \"quoted\" ü");
    }

    @Test
    void theFolderAndFileAreOwnerOnly() throws Exception {
        JsonlExporter exporter = exporter(Map.of());
        exporter.accept(event(1));
        exporter.deactivate();
        Path file = tmp.resolve("data/events/events.jsonl");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
            .isEqualTo("rwx------");
    }

    @Test
    void linesWaitInTheBufferUntilAFlushOrTheInterval() throws Exception {
        JsonlExporter exporter = exporter(Map.of("flush_interval_ms", 3_600_000L));
        Path file = tmp.resolve("data/events/events.jsonl");
        exporter.accept(event(1));
        assertThat(Files.size(file)).isZero();
        exporter.flush();
        assertThat(lines(file)).hasSize(1);

        JsonlExporter eager = new JsonlExporter(tmp.resolve("eager.jsonl"),
            Configs.of(JsonlExporter.Config.class, Map.of("flush_interval_ms", 0L)));
        eager.accept(event(1));
        assertThat(lines(tmp.resolve("eager.jsonl"))).hasSize(1);
        exporter.deactivate();
        eager.deactivate();
    }

    @Test
    void rollsBySizeAndKeepsTheConfiguredNumberOfFilesNewestFirst() throws Exception {
        JsonlExporter exporter = exporter(Map.of("max_file_bytes", 2048L, "max_files", 3,
            "flush_interval_ms", 0L));
        int lineBytes;
        exporter.accept(event(0));
        Path file = tmp.resolve("data/events/events.jsonl");
        lineBytes = (int) Files.size(file);
        for (int i = 1; i < 100; i++) {
            exporter.accept(event(i));
        }
        exporter.deactivate();

        int perFile = 2048 / lineBytes;
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                .containsExactly("events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.3");
        }
        List<Integer> kept = new ArrayList<>();
        for (Path p : List.of(JsonlExporter.rolled(file, 3), JsonlExporter.rolled(file, 2),
            JsonlExporter.rolled(file, 1), file)) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(2048);
            for (JsonNode line : lines(p)) {
                kept.add(line.path("attributes").path("n").asInt());
            }
        }
        // the newest events, in order, without a gap; the oldest went with the deleted files
        assertThat(kept.get(kept.size() - 1)).isEqualTo(99);
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i)).isEqualTo(kept.get(i - 1) + 1);
        }
        assertThat(kept.size()).isGreaterThanOrEqualTo(3 * perFile);
    }

    @Test
    void appendsAfterARestartAndFollowsAConfigurationChange() throws Exception {
        JsonlExporter first = exporter(Map.of());
        first.accept(event(1));
        first.deactivate();
        JsonlExporter second = exporter(Map.of());
        second.accept(event(2));
        Path elsewhere = tmp.resolve("elsewhere/custom.jsonl");
        second.modified(Configs.of(JsonlExporter.Config.class, Map.of("file", elsewhere.toString())));
        assertThat(second.file()).isEqualTo(elsewhere);
        second.accept(event(3));
        second.deactivate();
        assertThat(lines(tmp.resolve("data/events/events.jsonl"))).extracting(n -> n.at("/attributes/n").asInt())
            .containsExactly(1, 2);
        assertThat(lines(elsewhere)).extracting(n -> n.at("/attributes/n").asInt()).containsExactly(3);
    }

    @Test
    void aWriteFailureThrowsSoThePublisherCountsItAndWritingResumesLater() throws Exception {
        Path blocker = tmp.resolve("blocker");
        Files.writeString(blocker, "a file where a folder should be");
        JsonlExporter exporter = new JsonlExporter(blocker.resolve("events.jsonl"),
            Configs.of(JsonlExporter.Config.class, Map.of("flush_interval_ms", 0L)));
        assertThatThrownBy(() -> exporter.accept(event(1))).isInstanceOf(UncheckedIOException.class);
        Files.delete(blocker);
        exporter.accept(event(2));
        exporter.deactivate();
        assertThat(lines(blocker.resolve("events.jsonl"))).hasSize(1);
    }

    @Test
    void behindTheRealPublisherSecretsAreRedactedAndEveryEventIsWrittenOut() throws Exception {
        JsonlExporter exporter = exporter(Map.of("flush_interval_ms", 3_600_000L));
        Path file = tmp.resolve("data/events/events.jsonl");
        try (RealBus bus = new RealBus()) {
            bus.add(exporter, JsonlExporter.SINK_NAME);
            for (int i = 0; i < 500; i++) {
                Map<String, Object> attributes = new LinkedHashMap<>();
                attributes.put("tool", "http_get");
                attributes.put("n", i);
                attributes.put("arguments", Map.of("url", "https://example.org/" + i,
                    "headers", Map.of("Authorization", "Bearer secret-" + i)));
                bus.publisher().publish(new Event("tool.call.start", Instant.now(), "", "default", "", "", 0,
                    attributes));
            }
            // written out when the publisher's buffer for this sink runs empty, long before the interval
            long end = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end && (!Files.exists(file) || Files.readAllLines(file).stream()
                .filter(l -> l.contains("tool.call.start")).count() < 500)) {
                Thread.sleep(10);
            }
            bus.remove(exporter);
        }
        exporter.deactivate();
        String text = Files.readString(file);
        assertThat(text).doesNotContain("Bearer secret-").contains("[REDACTED]", "https://example.org/499");
        List<JsonNode> starts = lines(file).stream().filter(n -> n.path("type").asText().equals("tool.call.start"))
            .toList();
        assertThat(starts).hasSize(500);
        assertThat(starts.get(0).at("/attributes/arguments/headers/Authorization").asText()).isEqualTo("[REDACTED]");
        // the publisher's own report of the exporter's counts is in the file too
        assertThat(text).contains("\"type\":\"exporter.stats\"");
    }
}
