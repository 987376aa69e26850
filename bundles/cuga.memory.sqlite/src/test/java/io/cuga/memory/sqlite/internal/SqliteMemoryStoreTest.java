package io.cuga.memory.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.memory.support.internal.Retention;
import io.cuga.testing.memory.MemoryStoreContract;

/** The shared behaviour on a real SQLite file (WAL, as the store opens it), plus the schema and failure cases. */
class SqliteMemoryStoreTest extends MemoryStoreContract {

    @TempDir
    Path dir;

    private int files;

    static SQLiteDataSource dataSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file);
        return ds;
    }

    @Override
    protected Backend open(int maxEntriesPerScope, Duration maxAge, Clock clock) {
        Path file = dir.resolve("cuga-" + ++files + ".db");
        Retention retention = new Retention(maxEntriesPerScope, maxAge, Duration.ZERO);
        SqliteMemoryStore store = new SqliteMemoryStore(dataSource(file), retention, clock);
        assertThat(store.migrateQuietly()).isTrue();
        return new Backend() {
            @Override
            public MemoryStore store() {
                return store;
            }

            @Override
            public int prune() {
                return store.prune();
            }

            @Override
            public MemoryStore reopen() {
                return new SqliteMemoryStore(dataSource(file), retention, clock);
            }
        };
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Test
    void theDriverHasFts5AndTheSchemaLivesBesideTheStoresTablesAtItsOwnVersion() throws Exception {
        Path file = dir.resolve("shared.db");
        SQLiteDataSource ds = dataSource(file);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)");
            s.execute("INSERT INTO audit (what) VALUES ('kept')");
            try (ResultSet rs = s.executeQuery("SELECT sqlite_compileoption_used('ENABLE_FTS5')")) {
                rs.next();
                assertThat(rs.getInt(1)).as("FTS5 compiled into the xerial driver").isEqualTo(1);
            }
        }
        Retention r = Retention.of(1000, 30, 0);
        SqliteMemoryStore first = new SqliteMemoryStore(ds, r, clock);
        first.put(new MemoryEntry("", A, "hello", Map.of(), null, null));
        SqliteMemoryStore second = new SqliteMemoryStore(dataSource(file), r, clock);
        assertThat(second.migrateQuietly()).isTrue();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT version FROM cuga_memory_schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(SqliteMemoryStore.SCHEMA_VERSION);
                assertThat(rs.next()).as("migrated once").isFalse();
            }
            try (ResultSet rs = s.executeQuery("SELECT what FROM audit")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("kept");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
        }
        assertThat(second.count(A)).isEqualTo(1);
    }

    @Test
    void deletingAnEntryAnyWayTakesItsWordsOutOfTheIndex() throws Exception {
        Path file = dir.resolve("fts.db");
        SQLiteDataSource ds = dataSource(file);
        SqliteMemoryStore s = new SqliteMemoryStore(ds, new Retention(2, Duration.ofDays(1), Duration.ZERO), clock);
        MemoryEntry a = s.put(new MemoryEntry("", A, "alpha", Map.of(), null, null));
        s.put(new MemoryEntry("r", A, "beta", Map.of(), null, null));
        s.put(new MemoryEntry("r", A, "gamma", Map.of(), null, null)); // replace
        s.delete(A, a.id());
        clock.advance(Duration.ofMillis(1));
        for (int i = 0; i < 3; i++) {
            s.put(new MemoryEntry("", B, "delta " + i, Map.of(), null, null)); // retention drops one
        }
        clock.advance(Duration.ofDays(2));
        s.put(new MemoryEntry("", B_WIDE, "epsilon", Map.of(), null, null));
        assertThat(s.prune()).isEqualTo(3); // gamma, two deltas
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT words FROM cuga_memory_fts")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("epsilon");
            assertThat(rs.next()).as("no orphaned index rows").isFalse();
        }
    }

    @Test
    void aSchemaNewerThanTheBundleIsRefusedWithAClearReason() throws Exception {
        Path file = dir.resolve("newer.db");
        SQLiteDataSource ds = dataSource(file);
        new SqliteMemoryStore(ds, Retention.of(10, 30, 0), clock).migrateQuietly();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO cuga_memory_schema_version (version, applied_us) VALUES (99, 0)");
        }
        SqliteMemoryStore newer = new SqliteMemoryStore(dataSource(file), Retention.of(10, 30, 0), clock);
        assertThat(newer.migrateQuietly()).isFalse();
        assertThatThrownBy(() -> newer.count(A)).isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining("version 99").hasMessageContaining("newer");
    }

    @Test
    void anUnreachableDatabaseIsStoreUnavailableWithASafeMessageAndServiceResumesWhenItReturns() throws Exception {
        Path missing = dir.resolve("not-yet").resolve("cuga.db");
        SqliteMemoryStore s = new SqliteMemoryStore(dataSource(missing), Retention.of(10, 30, 0), clock);
        assertThat(s.migrateQuietly()).isFalse();
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "x", Map.of(), null, null)))
            .isInstanceOf(StoreUnavailableException.class)
            .hasMessageStartingWith("the sqlite memory database is unavailable")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SQL", "cuga_memory", missing.toString()));
        assertThatThrownBy(() -> s.search(A, MemoryQuery.text("x", 10))).isInstanceOf(StoreUnavailableException.class);

        Files.createDirectories(missing.getParent());
        MemoryEntry e = s.put(new MemoryEntry("", A, "back again", Map.of(), null, null));
        assertThat(s.get(A, e.id())).isPresent();

        // the file becomes unreadable garbage: the next call fails the same safe way
        Path broken = dir.resolve("broken.db");
        Files.writeString(broken, "this is not a database file, just text that is long enough to have a header");
        SqliteMemoryStore b = new SqliteMemoryStore(dataSource(broken), Retention.of(10, 30, 0), clock);
        assertThatThrownBy(() -> b.count(new MemoryScope("p", ""))).isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining("sqlite memory database is unavailable");
    }
}
