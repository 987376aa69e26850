package io.cuga.store.postgres.internal;

import java.net.URI;
import java.util.List;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.cuga.store.jdbc.Dialect;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.Migration;

/**
 * Opens the PostgreSQL store: a HikariCP pool over the driver's own data source (no driver lookup by class
 * name, so nothing needs the pool to see the driver's packages), with bounded connect, socket and pool-wait
 * timeouts so no caller hangs while the database is away.
 */
public final class PostgresDatabase {

    /**
     * The connection settings.
     *
     * @param url {@code jdbc:postgresql://host:port/database[?...]}
     * @param user the user
     * @param password the password (never logged)
     * @param poolSize the most connections
     * @param connectTimeoutMillis how long opening a connection, or waiting for a free one, may take
     * @param socketTimeoutMillis how long one statement may wait for the server
     */
    public record Settings(String url, String user, String password, int poolSize, long connectTimeoutMillis,
        long socketTimeoutMillis) {

        @Override
        public String toString() {
            return "Settings[url=" + url + ", user=" + user + ", password=***, poolSize=" + poolSize + "]";
        }
    }

    private PostgresDatabase() {
    }

    /**
     * @param url a JDBC URL
     * @return {@code PostgreSQL at host:port} (no user, password or parameters)
     */
    public static String target(String url) {
        try {
            URI uri = URI.create(url.substring("jdbc:".length()));
            String host = uri.getHost() == null ? "localhost" : uri.getHost();
            int port = uri.getPort() < 0 ? 5432 : uri.getPort();
            return "PostgreSQL at " + host + ":" + port;
        } catch (RuntimeException e) {
            return "PostgreSQL";
        }
    }

    /**
     * @param s the settings
     * @return the pool (started lazily: an unreachable database does not fail this call)
     */
    public static HikariDataSource pool(Settings s) {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(s.url());
        if (s.user() != null && !s.user().isEmpty()) {
            pg.setUser(s.user());
        }
        if (s.password() != null && !s.password().isEmpty()) {
            pg.setPassword(s.password());
        }
        int connectSeconds = (int) Math.max(1, (s.connectTimeoutMillis() + 999) / 1000);
        pg.setConnectTimeout(connectSeconds);
        pg.setLoginTimeout(connectSeconds);
        pg.setSocketTimeout((int) Math.max(1, (s.socketTimeoutMillis() + 999) / 1000));
        pg.setTcpKeepAlive(true);
        pg.setApplicationName("cuga");

        HikariConfig config = new HikariConfig();
        config.setDataSource(pg);
        config.setPoolName("cuga-store");
        config.setMaximumPoolSize(Math.max(2, s.poolSize()));
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(250, s.connectTimeoutMillis()));
        config.setValidationTimeout(Math.max(250, Math.min(s.connectTimeoutMillis(), 5000)));
        // -1: do not fail (or block) at construction when the database is away; the store reports it
        config.setInitializationFailTimeout(-1);
        config.setAutoCommit(true);
        return new HikariDataSource(config);
    }

    /**
     * @param s the settings
     * @param auditBatchMax the audit writer's batch size
     * @param migrations the migrations, null for the PostgreSQL ones
     * @return the store over a new pool; closing the pool is the caller's, after the store
     */
    public static JdbcStore open(Settings s, int auditBatchMax, List<Migration> migrations) {
        return open(s, auditBatchMax, migrations, JdbcStore.Options.HOLD_LEASE_MILLIS);
    }

    /**
     * @param s the settings
     * @param auditBatchMax the audit writer's batch size
     * @param migrations the migrations, null for the PostgreSQL ones
     * @param leaseMillis how long a store instance may stay silent before the others take it for gone
     * @return the store over a new pool; closing the pool is the caller's, after the store
     */
    public static JdbcStore open(Settings s, int auditBatchMax, List<Migration> migrations, long leaseMillis) {
        JdbcStore.Options options = JdbcStore.Options.defaults(target(s.url()), Dialect.POSTGRES)
            .withAuditBatchMax(auditBatchMax).withHoldLeaseMillis(leaseMillis);
        if (migrations != null) {
            options = options.withMigrations(migrations);
        }
        return new JdbcStore(pool(s), Dialect.POSTGRES, options);
    }
}
