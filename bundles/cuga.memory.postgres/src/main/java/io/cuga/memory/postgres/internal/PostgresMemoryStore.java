package io.cuga.memory.postgres.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.memory.support.internal.Limits.Prepared;
import io.cuga.memory.support.internal.Pruner;
import io.cuga.memory.support.internal.Retention;
import io.cuga.memory.support.internal.Vectors;
import io.cuga.memory.support.jdbc.internal.JdbcMemoryStore;

/**
 * The PostgreSQL backend ({@code postgres}), in the database of the store bundle's {@link DataSource}
 * ({@code cuga.store.backend=postgres}), which several replicas may share. Its own table {@code cuga_memory} and
 * versioned migrations ({@code cuga_memory_schema_version}, serialised between replicas by an advisory lock).
 *
 * <p>Search: PostgreSQL full text search on a GIN-indexed {@code tsvector} ranked by {@code ts_rank}, newest first
 * on ties. The {@code tsvector} and the {@code tsquery} are built from the bundle's own word split (the same as the
 * other backends: lower-cased runs of letters and digits), not by a text search configuration: no word is stemmed
 * or dropped as a stop word, and the result does not depend on the server's locale. So no fallback is needed for
 * words that a configuration such as {@code english} would stem away ("the", "who", or "running" for "run").
 *
 * <p>A put takes a transaction-scoped advisory lock on its scope first, so puts into one scope, from any replica,
 * replace, insert and trim one after the other and the scope never holds more than its count.
 */
@Component(service = MemoryStore.class, configurationPid = PostgresMemoryStore.PID,
    property = MemoryStore.BACKEND + "=" + PostgresMemoryStore.BACKEND_NAME)
@Designate(ocd = PostgresMemoryStore.Config.class)
public final class PostgresMemoryStore extends JdbcMemoryStore {

    /** The configuration PID. */
    static final String PID = "cuga.memory.postgres";
    /** The backend's name. */
    static final String BACKEND_NAME = "postgres";
    /** The newest schema version in {@code migrations/}. */
    static final int SCHEMA_VERSION = 1;
    /** The first key of every advisory lock this bundle takes ("cuga" in ASCII). */
    static final int LOCK_CLASS = 0x63756761;

    /** PostgreSQL keeps at most this many positions of a lexeme. */
    private static final int MAX_POSITIONS = 256;
    /** ... and positions up to this. */
    private static final int MAX_POSITION = 16383;

    private static final Logger LOG = LoggerFactory.getLogger(PostgresMemoryStore.class);

    /** How much is kept. */
    @ObjectClassDefinition(name = "cuga memory: PostgreSQL backend",
        description = "Agent memory in the store's PostgreSQL database, bounded per scope and by age.")
    public @interface Config {

        /** @return entries kept per scope */
        @AttributeDefinition(name = "Entries per scope",
            description = "The newest this many entries of a scope (profile + session) are kept; a put beyond it "
                + "deletes the oldest in the same transaction.")
        int max_entries_per_scope() default 1000;

        /** @return the maximum age in days */
        @AttributeDefinition(name = "Maximum age (days)",
            description = "Older entries are never returned and are deleted by the periodic prune. 0 keeps them.")
        int max_age_days() default 30;

        /** @return the prune interval */
        @AttributeDefinition(name = "Prune interval (s)",
            description = "How often entries past the maximum age are deleted (by every replica; the deletes "
                + "are idempotent). 0 never (they are still hidden).")
        long prune_interval_seconds() default 600;
    }

    private Pruner pruner;

    /**
     * Migrates the schema (or, when the database cannot be reached now, at the first use) and starts the prune.
     *
     * @param dataSource the store's PostgreSQL database
     * @param config the configuration
     */
    @Activate
    public PostgresMemoryStore(@Reference(target = "(cuga.store.backend=postgres)") DataSource dataSource,
        Config config) {
        this(dataSource, Retention.of(config.max_entries_per_scope(), config.max_age_days(),
            config.prune_interval_seconds()), Clock.systemUTC());
        migrateQuietly();
        pruner = Pruner.start(BACKEND_NAME, retention().pruneInterval(), this::prune);
        LOG.info("Memory (postgres): {} entries per scope, {} days", retention().maxEntriesPerScope(),
            retention().maxAge().toDays());
    }

    /**
     * @param dataSource the database
     * @param retention what is kept
     * @param clock the time
     */
    PostgresMemoryStore(DataSource dataSource, Retention retention, Clock clock) {
        super(dataSource, BACKEND_NAME, retention, clock);
    }

    /** Stops the prune. */
    @Deactivate
    void deactivate() {
        if (pruner != null) {
            pruner.close();
        }
    }

    @Override
    protected int schemaVersion() {
        return SCHEMA_VERSION;
    }

    @Override
    protected String migrationLock() {
        return "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", 0)";
    }

    @Override
    protected void lockScope(Connection c, MemoryScope scope) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
            s.setInt(1, LOCK_CLASS);
            s.setString(2, scope.profile() + "\u001f" + scope.session());
            s.execute();
        }
    }

    @Override
    protected void insert(Connection c, Prepared p) throws SQLException {
        MemoryScope s = p.entry().scope();
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO cuga_memory (profile, session, id, text, "
            + "metadata, created_us, embedding, words) VALUES (?, ?, ?, ?, CAST(? AS jsonb), ?, ?, "
            + "CAST(? AS tsvector))")) {
            insert.setString(1, s.profile());
            insert.setString(2, s.session());
            insert.setString(3, p.entry().id());
            insert.setString(4, p.entry().text());
            insert.setString(5, p.metadataJson());
            insert.setLong(6, p.createdMicros());
            insert.setBytes(7, p.entry().embedding() == null ? null : Vectors.toBytes(p.entry().embedding()));
            insert.setString(8, tsvector(p.words()));
            insert.executeUpdate();
        }
    }

    /**
     * @param words an entry's words in order
     * @return a {@code tsvector} literal: every distinct word with its positions ({@code 'cat':1,4 'dog':2})
     */
    static String tsvector(List<String> words) {
        Map<String, List<Integer>> positions = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            List<Integer> at = positions.computeIfAbsent(words.get(i), w -> new ArrayList<>());
            if (at.size() < MAX_POSITIONS) {
                at.add(Math.min(i + 1, MAX_POSITION));
            }
        }
        // words are runs of letters and digits: no quote or backslash to escape
        return positions.entrySet().stream()
            .map(e -> "'" + e.getKey() + "':" + e.getValue().stream().distinct().map(String::valueOf)
                .collect(Collectors.joining(",")))
            .collect(Collectors.joining(" "));
    }

    @Override
    protected String beyondNewestSql() {
        return "SELECT pk FROM cuga_memory WHERE profile = ? AND session = ? ORDER BY created_us DESC, pk DESC "
            + "OFFSET ?";
    }

    @Override
    protected void metadataFilter(StringBuilder where, List<Object> params, String key, String value) {
        where.append(" AND jsonb_typeof(m.metadata -> CAST(? AS text)) IN ('string', 'number', 'boolean')"
            + " AND m.metadata ->> CAST(? AS text) = ?");
        params.add(key);
        params.add(key);
        params.add(value);
    }

    @Override
    protected String textSearchSql(String where) {
        return "SELECT " + COLUMNS + ", ts_rank(m.words, q.query) AS score FROM cuga_memory m, "
            + "(SELECT CAST(? AS tsquery) AS query) q WHERE m.words @@ q.query AND " + where
            + " ORDER BY score DESC, m.created_us DESC, m.pk DESC LIMIT ?";
    }

    @Override
    protected String textQuery(List<String> words) {
        return words.stream().map(w -> "'" + w + "'").collect(Collectors.joining(" & "));
    }
}
