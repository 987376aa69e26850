package io.cuga.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.api.store.AuditRecord;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.sqlite.internal.SqliteDatabase;

/** ./cuga audit verify on a real SQLite file: 0 intact, 1 broken with the record named, 2 usage/unreadable. */
class AuditCommandTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return AuditCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
    }

    static AuditRecord rec(int i) {
        return new AuditRecord(0, UUID.randomUUID().toString(), Instant.now(), AuditRecord.ATTEMPT, "t" + i, "c" + i,
            "default", "", "alice", "calculator", "", List.of(), "ALLOW", "", "", 0, "", Map.of(), "", "");
    }

    private Path storeWith(int records) {
        Path file = dir.resolve("data").resolve("cuga.db");
        try (JdbcStore store = SqliteDatabase.open(file, "FULL", 5000, 256, null)) {
            for (int i = 0; i < records; i++) {
                store.append(List.of(rec(i)));
            }
        }
        return file;
    }

    @Test
    void anIntactChainExitsZero() {
        Path file = storeWith(4);
        assertThat(run("verify", "--sqlite", file.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("intact, 4 record(s)");
    }

    @Test
    void theConfiguredStoreIsFoundThroughTheConfigFolder() throws Exception {
        Path file = storeWith(2);
        Path config = Files.createDirectories(dir.resolve("runtime-config"));
        Files.writeString(config.resolve("cuga.store.cfg"), "backend = sqlite\nsqlite.file = \"" + file + "\"\n");
        assertThat(run("verify", "--config", config.toString())).isZero();
        Files.writeString(config.resolve("cuga.store.cfg"), "backend = sqlite\n");
        assertThat(run("verify", "--config", config.toString(), "--data", file.getParent().toString())).isZero();
    }

    @Test
    void aBrokenChainExitsOneNamingTheRecord() throws Exception {
        Path file = storeWith(5);
        try (Connection c = SqliteDatabase.dataSource(file, "FULL", 5000).getConnection();
            Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE cuga_audit SET decision = 'DENY' WHERE seq = 2");
        }
        assertThat(run("verify", "--sqlite", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("BROKEN at record 2").contains("decision");
    }

    @Test
    void usageErrorsAndMissingDatabasesExitTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("check")).isEqualTo(2);
        assertThat(run("verify", "--bogus", "x")).isEqualTo(2);
        assertThat(run("verify", "--sqlite")).isEqualTo(2);
        assertThat(run("verify", "--sqlite", dir.resolve("none.db").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no database at");
        assertThat(Files.exists(dir.resolve("none.db"))).isFalse();
        // no PostgreSQL driver on this module's class path: still a clear exit 2
        assertThat(run("verify", "--postgres", "jdbc:postgresql://127.0.0.1:1/cuga")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot open the store");
    }
}
