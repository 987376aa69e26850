package io.cuga.memory.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryStore;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.memory.support.internal.Retention;
import io.cuga.testing.memory.MemoryStoreContract;
import io.cuga.testing.postgres.PostgresCluster;
import io.cuga.testing.postgres.PostgresExtension;

/**
 * The shared behaviour on a real PostgreSQL server (a private cluster started by the fixture; skipped without
 * PostgreSQL binaries unless CI=true or -Dcuga.require.postgres=true), plus replicas and an outage.
 */
class PostgresMemoryStoreTest extends MemoryStoreContract {

    @RegisterExtension
    static PostgresExtension pg = new PostgresExtension();

    static PGSimpleDataSource dataSource(String url) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(PostgresCluster.USER);
        ds.setConnectTimeout(5);
        return ds;
    }

    @Override
    protected Backend open(int maxEntriesPerScope, Duration maxAge, Clock clock) throws Exception {
        String url = pg.newDatabase();
        Retention retention = new Retention(maxEntriesPerScope, maxAge, Duration.ZERO);
        PostgresMemoryStore store = new PostgresMemoryStore(dataSource(url), retention, clock);
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
                return new PostgresMemoryStore(dataSource(url), retention, clock);
            }
        };
    }

    @Override
    protected boolean durable() {
        return true;
    }

    @Test
    void replicasStartingTogetherMigrateOnceAndSearchGoesThroughTheGinIndex() throws Exception {
        String url = pg.newDatabase();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> started = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Boolean> start = () -> new PostgresMemoryStore(dataSource(url), Retention.of(10, 30, 0),
                    clock).migrateQuietly();
                started.add(pool.submit(start));
            }
            for (Future<Boolean> f : started) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = dataSource(url).getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT version FROM cuga_memory_schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(PostgresMemoryStore.SCHEMA_VERSION);
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE indexname = 'cuga_memory_words'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).contains("USING gin (words)");
            }
        }
        // two instances on one database, as two replicas: one sees what the other stored, and a search with
        // sequential scans off still finds it (through the index)
        PostgresMemoryStore one = new PostgresMemoryStore(dataSource(url), Retention.of(10, 30, 0), clock);
        PostgresMemoryStore two = new PostgresMemoryStore(dataSource(url), Retention.of(10, 30, 0), clock);
        one.put(new MemoryEntry("", A, "the deployment of the Memory backend", Map.of(), null, null));
        assertThat(two.search(A, MemoryQuery.text("THE memory", 10))).hasSize(1);
        try (Connection c = dataSource(url).getConnection(); Statement s = c.createStatement()) {
            s.execute("SET enable_seqscan = off");
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = s.executeQuery("EXPLAIN SELECT pk FROM cuga_memory WHERE words @@ "
                + "CAST('''memory'' & ''the''' AS tsquery)")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertThat(plan.toString()).contains("cuga_memory_words");
        }
    }

    @Test
    void theDatabaseGoingAwayIsStoreUnavailableWithASafeMessageAndServiceResumesWhenItReturns() throws Exception {
        String url = pg.newDatabase();
        PostgresMemoryStore s = new PostgresMemoryStore(dataSource(url), Retention.of(10, 30, 0), clock);
        MemoryEntry before = s.put(new MemoryEntry("", A, "before the outage", Map.of(), null, null));
        pg.cluster().stop();
        try {
            assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "during", Map.of(), null, null)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessage("the postgres memory database is unavailable: could not store the entry");
            assertThatThrownBy(() -> s.search(A, MemoryQuery.text("outage", 10)))
                .isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("127.0.0.1", "jdbc", "SELECT"));
        } finally {
            pg.cluster().start();
        }
        assertThat(s.get(A, before.id())).isPresent();
        s.put(new MemoryEntry("", A, "after the outage", Map.of(), null, null));
        assertThat(s.search(A, MemoryQuery.text("outage", 10))).hasSize(2);
    }

    @Test
    void theTsvectorKeepsEveryWordWithItsPositions() {
        assertThat(PostgresMemoryStore.tsvector(List.of("the", "cat", "the", "über"))).isEqualTo(
            "'the':1,3 'cat':2 'über':4");
        assertThat(PostgresMemoryStore.tsvector(List.of())).isEmpty();
    }
}
