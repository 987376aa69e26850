package io.cuga.memory.sqlite.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
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
 * The SQLite backend ({@code sqlite}), in the database of the store bundle's {@link DataSource}
 * ({@code cuga.store.backend=sqlite}: the audit trail's file, WAL). Its own tables ({@code cuga_memory}, the FTS5
 * table {@code cuga_memory_fts}) and versioned migrations ({@code cuga_memory_schema_version}). Search: FTS5 over
 * the entry's words as the bundle splits them (so every backend agrees what a word is), every query word quoted
 * (AND), ranked by {@code bm25}, newest first on ties. SQLite lets one writer in at a time, and every write
 * transaction starts by taking the write lock ({@link #beginWrite}), so a put's replace-insert-trim never
 * interleaves with another's.
 */
@Component(service = MemoryStore.class, configurationPid = SqliteMemoryStore.PID,
    property = MemoryStore.BACKEND + "=" + SqliteMemoryStore.BACKEND_NAME)
@Designate(ocd = SqliteMemoryStore.Config.class)
public final class SqliteMemoryStore extends JdbcMemoryStore {

    /** The configuration PID. */
    static final String PID = "cuga.memory.sqlite";
    /** The backend's name. */
    static final String BACKEND_NAME = "sqlite";
    /** The newest schema version in {@code migrations/}. */
    static final int SCHEMA_VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger(SqliteMemoryStore.class);

    /** How much is kept. */
    @ObjectClassDefinition(name = "cuga memory: SQLite backend",
        description = "Agent memory in the store's SQLite database, bounded per scope and by age.")
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
            description = "How often entries past the maximum age are deleted. 0 never (they are still hidden).")
        long prune_interval_seconds() default 600;
    }

    private Pruner pruner;

    /**
     * Migrates the schema (or, when the database cannot be reached now, at the first use) and starts the prune.
     *
     * @param dataSource the store's SQLite database
     * @param config the configuration
     */
    @Activate
    public SqliteMemoryStore(@Reference(target = "(cuga.store.backend=sqlite)") DataSource dataSource,
        Config config) {
        this(dataSource, Retention.of(config.max_entries_per_scope(), config.max_age_days(),
            config.prune_interval_seconds()), Clock.systemUTC());
        migrateQuietly();
        pruner = Pruner.start(BACKEND_NAME, retention().pruneInterval(), this::prune);
        LOG.info("Memory (sqlite): {} entries per scope, {} days", retention().maxEntriesPerScope(),
            retention().maxAge().toDays());
    }

    /**
     * @param dataSource the database
     * @param retention what is kept
     * @param clock the time
     */
    SqliteMemoryStore(DataSource dataSource, Retention retention, Clock clock) {
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
        return null;
    }

    @Override
    protected void beginWrite(Connection c) throws SQLException {
        // a statement that also writes the FTS5 index (through the delete trigger) can begin as a reader and then
        // fail to upgrade at once (SQLITE_BUSY, no busy wait) when another connection writes; this plain write
        // takes the write lock first, waiting up to the busy timeout, as BEGIN IMMEDIATE would
        try (var s = c.prepareStatement("UPDATE cuga_memory_lock SET n = 1 - n")) {
            s.executeUpdate();
        }
    }

    @Override
    protected void lockScope(Connection c, MemoryScope scope) {
        // SQLite has one writer at a time, and beginWrite took the write lock
    }

    @Override
    protected void insert(Connection c, Prepared p) throws SQLException {
        MemoryScope s = p.entry().scope();
        try (var insert = c.prepareStatement("INSERT INTO cuga_memory (profile, session, id, text, metadata, "
            + "created_us, embedding) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, s.profile());
            insert.setString(2, s.session());
            insert.setString(3, p.entry().id());
            insert.setString(4, p.entry().text());
            insert.setString(5, p.metadataJson());
            insert.setLong(6, p.createdMicros());
            insert.setBytes(7, p.entry().embedding() == null ? null : Vectors.toBytes(p.entry().embedding()));
            insert.executeUpdate();
        }
        try (var words = c.prepareStatement("INSERT INTO cuga_memory_fts (rowid, words) "
            + "VALUES (last_insert_rowid(), ?)")) {
            words.setString(1, String.join(" ", p.words()));
            words.executeUpdate();
        }
    }

    @Override
    protected String beyondNewestSql() {
        return "SELECT pk FROM cuga_memory WHERE profile = ? AND session = ? "
            + "ORDER BY created_us DESC, pk DESC LIMIT -1 OFFSET ?";
    }

    @Override
    protected void metadataFilter(StringBuilder where, List<Object> params, String key, String value) {
        where.append(" AND EXISTS (SELECT 1 FROM json_each(m.metadata) j WHERE j.key = ? AND (CASE j.type "
            + "WHEN 'text' THEN j.value WHEN 'integer' THEN CAST(j.value AS TEXT) WHEN 'real' THEN CAST(j.value AS TEXT) "
            + "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END) = ?)");
        params.add(key);
        params.add(value);
    }

    @Override
    protected String textSearchSql(String where) {
        return "SELECT " + COLUMNS + ", -bm25(cuga_memory_fts) AS score FROM cuga_memory_fts "
            + "JOIN cuga_memory m ON m.pk = cuga_memory_fts.rowid WHERE cuga_memory_fts MATCH ? AND " + where
            + " ORDER BY score DESC, m.created_us DESC, m.pk DESC LIMIT ?";
    }

    @Override
    protected String textQuery(List<String> words) {
        // words are runs of letters and digits: quoting each makes it a plain term, never an FTS5 operator
        return words.stream().map(w -> "\"" + w + "\"").collect(Collectors.joining(" "));
    }
}
