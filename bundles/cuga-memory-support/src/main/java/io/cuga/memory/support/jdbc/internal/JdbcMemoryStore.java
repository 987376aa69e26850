package io.cuga.memory.support.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryHit;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.memory.support.internal.Limits;
import io.cuga.memory.support.internal.Limits.Prepared;
import io.cuga.memory.support.internal.Limits.PreparedQuery;
import io.cuga.memory.support.internal.MetadataJson;
import io.cuga.memory.support.internal.Retention;
import io.cuga.memory.support.internal.Times;
import io.cuga.memory.support.internal.Vectors;

/**
 * A memory store in a SQL database (SQLite or PostgreSQL; the subclass supplies the dialect). Table
 * {@code cuga_memory}: {@code pk} (integer key), {@code profile}, {@code session}, {@code id} (unique together),
 * {@code text}, {@code metadata} (JSON), {@code created_us} (microseconds since the epoch), {@code embedding}
 * (float32 little-endian bytes or NULL), plus the subclass's full-text index.
 *
 * <p>A put runs in one transaction: the scope is locked (where the database needs it), an entry of the same id in
 * the scope is replaced, and the scope is cut back to its newest {@code max.entries.per.scope} entries, so no
 * committed state ever holds more. Entries older than {@code max.age.days} are never returned or counted, and
 * {@link #prune()} deletes them. The schema is migrated at activation and, if the database was unreachable then,
 * at the first use; a failing database is a {@link StoreUnavailableException} with a message safe for clients.
 */
public abstract class JdbcMemoryStore implements MemoryStore {

    /** Most entries (newest first) an embedding-only search compares. */
    public static final int MAX_VECTOR_SCAN = 10_000;

    /** The columns {@link #entry} reads, table alias {@code m}. */
    protected static final String COLUMNS =
        "m.pk, m.profile, m.session, m.id, m.text, m.metadata, m.created_us, m.embedding";

    private static final Logger LOG = LoggerFactory.getLogger(JdbcMemoryStore.class);

    private static final Comparator<MemoryHit> BEST_FIRST = Comparator.comparingDouble(MemoryHit::score).reversed()
        .thenComparing(h -> h.entry().createdAt(), Comparator.reverseOrder());

    private final DataSource dataSource;
    private final String backend;
    private final Retention retention;
    private final Clock clock;
    private final Object schemaLock = new Object();
    private volatile boolean schemaReady;

    /**
     * @param dataSource the database
     * @param backend the backend's name
     * @param retention what is kept
     * @param clock the time of new entries and of the age limit
     */
    protected JdbcMemoryStore(DataSource dataSource, String backend, Retention retention, Clock clock) {
        this.dataSource = dataSource;
        this.backend = backend;
        this.retention = retention;
        this.clock = clock;
    }

    /** @return the newest schema version of this backend's {@code migrations/} */
    protected abstract int schemaVersion();

    /** @return a statement run first in the migration's transaction to serialise replicas, or null */
    protected abstract String migrationLock();

    /**
     * Runs first in every write transaction: where a deferred transaction could fail to upgrade its read lock
     * (SQLite), a plain write that takes the write lock at once, waiting for it as long as the database's busy
     * timeout allows.
     */
    protected void beginWrite(Connection c) throws SQLException {
    }

    /**
     * Makes concurrent puts into one scope wait for each other within their transactions, where the database does
     * not already serialise writers.
     */
    protected abstract void lockScope(Connection c, MemoryScope scope) throws SQLException;

    /** Inserts the entry and its full-text index row. */
    protected abstract void insert(Connection c, Prepared p) throws SQLException;

    /**
     * @return a SELECT of the {@code pk}s of a scope beyond its newest N entries; parameters profile, session, N
     */
    protected abstract String beyondNewestSql();

    /** Appends {@code AND <the entry's metadata has key = value>} to a WHERE clause. */
    protected abstract void metadataFilter(StringBuilder where, List<Object> params, String key, String value);

    /**
     * @param where the conditions on alias {@code m}
     * @return the full-text SELECT of {@link #COLUMNS} plus a {@code score} column, best first, newest first on
     *     ties; parameters: the text query, then those of {@code where}, then the limit
     */
    protected abstract String textSearchSql(String where);

    /**
     * @param words distinct words, not empty
     * @return the text query parameter for {@link #textSearchSql}
     */
    protected abstract String textQuery(List<String> words);

    /** @return the backend's name */
    public final String backend() {
        return backend;
    }

    /** @return the retention settings */
    public final Retention retention() {
        return retention;
    }

    /**
     * Migrates the schema now; when the database cannot be reached the failure is logged and the next use tries
     * again.
     *
     * @return true when the schema is ready
     */
    public final boolean migrateQuietly() {
        try {
            ensureSchema();
            return true;
        } catch (StoreUnavailableException e) {
            LOG.warn("Memory ({}): {}; trying again at the first use", backend, e.getMessage());
            return false;
        }
    }

    private void ensureSchema() {
        if (schemaReady) {
            return;
        }
        synchronized (schemaLock) {
            if (schemaReady) {
                return;
            }
            try (Connection c = dataSource.getConnection()) {
                Migrations.migrate(c, getClass(), schemaVersion(), migrationLock(), backend);
                schemaReady = true;
            } catch (SQLException e) {
                LOG.debug("Memory ({}): migration failed: {}", backend, e.toString());
                throw new StoreUnavailableException("the " + backend
                    + " memory database is unavailable: its schema could not be checked", e);
            } catch (Migrations.MigrationException e) {
                throw new StoreUnavailableException("the " + backend + " memory schema cannot be used: "
                    + e.getMessage(), e);
            }
        }
    }

    @Override
    public MemoryEntry put(MemoryEntry entry) {
        Prepared p = Limits.prepare(entry, clock);
        MemoryScope s = p.entry().scope();
        transaction("store the entry", c -> {
            lockScope(c, s);
            update(c, "DELETE FROM cuga_memory WHERE profile = ? AND session = ? AND id = ?", s.profile(),
                s.session(), p.entry().id());
            insert(c, p);
            update(c, "DELETE FROM cuga_memory WHERE pk IN (" + beyondNewestSql() + ")", s.profile(), s.session(),
                retention.maxEntriesPerScope());
            return null;
        });
        return p.entry();
    }

    @Override
    public Optional<MemoryEntry> get(MemoryScope scope, String id) {
        Limits.check(scope);
        Limits.checkId(id);
        return work("read the entry", c -> {
            List<MemoryEntry> found = new ArrayList<>();
            query(c, "SELECT " + COLUMNS + " FROM cuga_memory m WHERE m.profile = ? AND m.session = ? AND m.id = ?"
                + " AND m.created_us >= ?", List.of(scope.profile(), scope.session(), id, cutoff()),
                rs -> found.add(entry(rs)));
            return found.stream().findFirst();
        });
    }

    @Override
    public List<MemoryHit> search(MemoryScope scope, MemoryQuery query) {
        Limits.check(scope);
        PreparedQuery q = Limits.prepare(query);
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder("m.profile = ? AND ");
        params.add(scope.profile());
        if (!scope.session().isEmpty() && q.includeProfileWide()) {
            where.append("(m.session = ? OR m.session = '')");
        } else {
            where.append("m.session = ?");
        }
        params.add(scope.session());
        where.append(" AND m.created_us >= ?");
        params.add(cutoff());
        for (Map.Entry<String, String> f : new java.util.TreeMap<>(q.metadata()).entrySet()) {
            metadataFilter(where, params, f.getKey(), f.getValue());
        }
        return work("search", c -> {
            List<MemoryHit> hits = new ArrayList<>();
            if (!q.words().isEmpty()) {
                List<Object> all = new ArrayList<>();
                all.add(textQuery(q.words()));
                all.addAll(params);
                all.add(q.limit());
                query(c, textSearchSql(where.toString()), all, rs -> hits.add(new MemoryHit(entry(rs),
                    rs.getDouble("score"))));
                return hits;
            }
            List<Object> all = new ArrayList<>(params);
            if (q.embedding() != null) {
                all.add(MAX_VECTOR_SCAN);
                query(c, "SELECT " + COLUMNS + " FROM cuga_memory m WHERE " + where + " AND m.embedding IS NOT NULL"
                    + " ORDER BY m.created_us DESC, m.pk DESC LIMIT ?", all, rs -> {
                        MemoryEntry e = entry(rs);
                        double score = Vectors.cosine(q.embedding(), e.embedding());
                        if (!Double.isNaN(score)) {
                            hits.add(new MemoryHit(e, score));
                        }
                    });
                hits.sort(BEST_FIRST);
                return List.copyOf(hits.subList(0, Math.min(q.limit(), hits.size())));
            }
            all.add(q.limit());
            query(c, "SELECT " + COLUMNS + " FROM cuga_memory m WHERE " + where
                + " ORDER BY m.created_us DESC, m.pk DESC LIMIT ?", all, rs -> hits.add(new MemoryHit(entry(rs), 0)));
            return hits;
        });
    }

    @Override
    public boolean delete(MemoryScope scope, String id) {
        Limits.check(scope);
        Limits.checkId(id);
        return transaction("delete the entry", c -> update(c,
            "DELETE FROM cuga_memory WHERE profile = ? AND session = ? AND id = ?", scope.profile(), scope.session(),
            id) > 0);
    }

    @Override
    public int clear(MemoryScope scope) {
        Limits.check(scope);
        return transaction("clear the scope", c -> update(c,
            "DELETE FROM cuga_memory WHERE profile = ? AND session = ?", scope.profile(), scope.session()));
    }

    @Override
    public long count(MemoryScope scope) {
        Limits.check(scope);
        return work("count the entries", c -> {
            long[] n = new long[1];
            query(c, "SELECT COUNT(*) FROM cuga_memory m WHERE m.profile = ? AND m.session = ? AND m.created_us >= ?",
                List.of(scope.profile(), scope.session(), cutoff()), rs -> n[0] = rs.getLong(1));
            return n[0];
        });
    }

    /**
     * Deletes every entry older than {@code max.age.days}, in every scope.
     *
     * @return how many were deleted
     */
    public int prune() {
        if (retention.maxAge().isZero()) {
            return 0;
        }
        long cutoff = cutoff();
        return transaction("prune old entries", c -> update(c, "DELETE FROM cuga_memory WHERE created_us < ?",
            cutoff));
    }

    private long cutoff() {
        return retention.cutoffMicros(clock.instant());
    }

    private static MemoryEntry entry(ResultSet rs) throws SQLException {
        return new MemoryEntry(rs.getString("id"), new MemoryScope(rs.getString("profile"), rs.getString("session")),
            rs.getString("text"), MetadataJson.read(rs.getString("metadata")),
            Times.ofMicros(rs.getLong("created_us")), Vectors.fromBytes(rs.getBytes("embedding")));
    }

    /** Work on a connection. */
    @FunctionalInterface
    protected interface Work<T> {
        /**
         * @param c the connection
         * @return the result
         */
        T run(Connection c) throws SQLException;
    }

    /** Reads a row. */
    @FunctionalInterface
    protected interface Row {
        /**
         * @param rs positioned on a row
         */
        void read(ResultSet rs) throws SQLException;
    }

    /**
     * @param c a connection
     * @param sql a statement
     * @param params its parameters
     * @return the update count
     */
    protected static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, List.of(params));
            return p.executeUpdate();
        }
    }

    private static void query(Connection c, String sql, List<Object> params, Row row) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, params);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    row.read(rs);
                }
            }
        }
    }

    private static void bind(PreparedStatement p, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            p.setObject(i + 1, params.get(i));
        }
    }

    private <T> T work(String what, Work<T> work) {
        ensureSchema();
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    private <T> T transaction(String what, Work<T> work) {
        ensureSchema();
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                beginWrite(c);
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(auto);
                } catch (SQLException ignored) {
                    // the connection is broken; closing it is all that is left
                }
            }
        } catch (SQLException e) {
            throw unavailable(what, e);
        }
    }

    private StoreUnavailableException unavailable(String what, SQLException e) {
        LOG.debug("Memory ({}): could not {}: {}", backend, what, e.toString());
        return new StoreUnavailableException("the " + backend + " memory database is unavailable: could not "
            + what, e);
    }
}
