package io.cuga.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The SQL that differs between the databases. Everything else ({@code INSERT ... ON CONFLICT DO NOTHING},
 * {@code UPDATE ... RETURNING}, {@code LIMIT}) is written once: both SQLite 3.35+ and PostgreSQL speak it.
 */
public enum Dialect {

    /**
     * SQLite: one writer at a time. Row locks do not exist; a write transaction must start with
     * {@code BEGIN IMMEDIATE} (the data source is configured so, see {@link #immediateWrites()}) so the
     * database's write lock is taken before the first read of a read-modify-write. Writes of one store instance
     * are also serialised in Java, so they do not fight over the lock with busy waits.
     */
    SQLITE("sqlite", "SQLite", ""),

    /** PostgreSQL: row locks ({@code SELECT ... FOR UPDATE}) inside READ COMMITTED transactions. */
    POSTGRES("postgres", "PostgreSQL", " FOR UPDATE");

    private final String id;
    private final String displayName;
    private final String forUpdate;

    Dialect(String id, String displayName, String forUpdate) {
        this.id = id;
        this.displayName = displayName;
        this.forUpdate = forUpdate;
    }

    /** @return the short name: {@code sqlite} or {@code postgres} (the {@code backend} option's value) */
    public String id() {
        return id;
    }

    /** @return the name people know: {@code SQLite} or {@code PostgreSQL} */
    public String displayName() {
        return displayName;
    }

    /** @return appended to a SELECT that reads a row it will update in the same transaction */
    public String forUpdate() {
        return forUpdate;
    }

    /**
     * @return true when the connections' transactions must start with {@code BEGIN IMMEDIATE} (SQLite): the
     *     data source, not this class, does it (sqlite-jdbc's transaction mode {@code IMMEDIATE})
     */
    public boolean immediateWrites() {
        return this == SQLITE;
    }

    /** @return true when one store instance must not run two write transactions at once */
    public boolean singleWriter() {
        return this == SQLITE;
    }

    /**
     * @return an SQL expression for the database's clock in microseconds since the epoch: replicas compare
     *     heartbeats on one clock, not on each host's own
     */
    public String nowMicros() {
        return this == POSTGRES ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"
            : "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";
    }

    /** @return the class-path folder of this dialect's numbered migrations ({@code 1.sql}, {@code 2.sql}, ...) */
    public String migrationsFolder() {
        return "io/cuga/store/jdbc/migrations/" + id + "/";
    }

    /**
     * Serialises concurrent migration runs (two replicas starting at once) inside the caller's transaction.
     *
     * @param c a connection in a transaction
     * @throws SQLException when the lock cannot be taken
     */
    public void lockForMigration(Connection c) throws SQLException {
        if (this == POSTGRES) {
            try (Statement s = c.createStatement()) {
                // released at the end of the transaction; the number is cuga's own
                s.execute("SELECT pg_advisory_xact_lock(7366232)");
            }
        }
        // SQLite: the IMMEDIATE transaction already holds the database's write lock
    }
}
