package io.cuga.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.sqlite.internal.SqliteDatabase;

/** The JSON Lines export resumes after a restart with no duplicates and no gaps. */
class AuditExporterTest {

    @TempDir
    Path dir;

    private static List<Map<String, Object>> lines(Path file) throws Exception {
        AuditCodec codec = new AuditCodec();
        List<Map<String, Object>> lines = new ArrayList<>();
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lines.add(codec.parse(l));
            }
        }
        return lines;
    }

    private static void await(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (lines(file).size() >= count) {
                    return;
                }
            } catch (IllegalArgumentException halfLine) {
                // the exporter has not cut the half-written line yet
            }
            Thread.sleep(20);
        }
    }

    @Test
    void exportsEveryRecordOnceAcrossRestartsAndHalfWrittenLines() throws Exception {
        Path out = dir.resolve("audit").resolve("audit.jsonl");
        try (JdbcStore store = SqliteDatabase.open(dir.resolve("cuga.db"), "FULL", 5000, 256, null)) {
            for (int i = 0; i < 5; i++) {
                store.append(List.of(AuditCommandTest.rec(i)));
            }
            AuditExporter first = new AuditExporter(store, out, 20, true);
            await(out, 5);
            first.deactivate();
            assertThat(lines(out)).hasSize(5);

            for (int i = 5; i < 8; i++) {
                store.append(List.of(AuditCommandTest.rec(i)));
            }
            // a crash in the middle of a line
            Files.writeString(out, "{\"seq\":6,\"ha", StandardOpenOption.APPEND);
            AuditExporter second = new AuditExporter(store, out, 20, true);
            await(out, 8);
            second.deactivate();

            // the file rotated away by a log shipper: the kept position says where to go on
            Files.move(out, dir.resolve("rotated.jsonl"));
            store.append(List.of(AuditCommandTest.rec(8)));
            AuditExporter third = new AuditExporter(store, out, 20, true);
            await(out, 1);
            third.deactivate();

            List<Map<String, Object>> all = new ArrayList<>(lines(dir.resolve("rotated.jsonl")));
            all.addAll(lines(out));
            assertThat(all).extracting(m -> ((Number) m.get("seq")).longValue())
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            Map<String, Object> line = all.get(3);
            assertThat(line).containsKeys("id", "time", "kind", "prevHash", "hash", "tool");
            assertThat(line.get("prevHash")).isEqualTo(all.get(2).get("hash"));
        }
        AuditExporter disabled = new AuditExporter(null, dir.resolve("off.jsonl"), 20, false);
        disabled.deactivate();
        assertThat(dir.resolve("off.jsonl")).doesNotExist();
    }
}
