package io.cuga.store.sqlite.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import javax.sql.DataSource;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import io.cuga.store.jdbc.Dialect;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.Migration;

/**
 * Opens the SQLite database: WAL journal, the configured {@code synchronous} level, a busy timeout, and write
 * transactions that begin with {@code BEGIN IMMEDIATE} (the write lock before the first read).
 */
public final class SqliteDatabase {

    private SqliteDatabase() {
    }

    /**
     * @param file the database file
     * @param synchronous {@code FULL} (every commit synced: nothing acknowledged is lost on power failure),
     *     {@code NORMAL} (WAL: a power failure may lose the last commits, never corrupts) or {@code EXTRA}
     * @param busyTimeoutMillis how long a writer waits for another process's write lock
     * @return the data source (a connection per {@code getConnection()})
     * @throws IllegalArgumentException on an unknown synchronous level
     */
    public static DataSource dataSource(Path file, String synchronous, int busyTimeoutMillis) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.trim().toUpperCase(Locale.ROOT)));
        config.setBusyTimeout(busyTimeoutMillis);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        config.enforceForeignKeys(true);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return ds;
    }

    /**
     * Opens the store on a file, creating its folder. A folder that cannot be created (read-only file system,
     * a file in the way, disk full) is not an exception: the store opens unavailable and says why.
     *
     * @param file the database file
     * @param synchronous the synchronous level
     * @param busyTimeoutMillis the busy timeout
     * @param auditBatchMax the audit writer's batch size
     * @param migrations the migrations, null for the SQLite ones
     * @return the store
     */
    public static JdbcStore open(Path file, String synchronous, int busyTimeoutMillis, int auditBatchMax,
        java.util.List<Migration> migrations) {
        return open(file, synchronous, busyTimeoutMillis, auditBatchMax, migrations,
            JdbcStore.Options.HOLD_LEASE_MILLIS);
    }

    /**
     * @param file the database file
     * @param synchronous the synchronous level
     * @param busyTimeoutMillis the busy timeout
     * @param auditBatchMax the audit writer's batch size
     * @param migrations the migrations, null for the SQLite ones
     * @param leaseMillis how long a store instance may stay silent before the others take it for gone
     * @return the store
     */
    public static JdbcStore open(Path file, String synchronous, int busyTimeoutMillis, int auditBatchMax,
        java.util.List<Migration> migrations, long leaseMillis) {
        Path abs = file.toAbsolutePath();
        try {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
        } catch (IOException | SecurityException e) {
            // JdbcStore reports it (cannot open the database file), as one line in the log and in /ready
        }
        JdbcStore.Options options = JdbcStore.Options.defaults("SQLite at " + abs, Dialect.SQLITE)
            .withAuditBatchMax(auditBatchMax).withHoldLeaseMillis(leaseMillis);
        if (migrations != null) {
            options = options.withMigrations(migrations);
        }
        return new JdbcStore(dataSource(abs, synchronous, busyTimeoutMillis), Dialect.SQLITE, options);
    }
}
