package io.cuga.store.postgres.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariDataSource;

import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.StoreServices;

/**
 * The PostgreSQL store, when PID {@code cuga.store} says {@code backend = postgres}: a pool on
 * {@code postgres.url} and the store's services. With another backend (or none configured: the default is
 * sqlite) it registers nothing.
 */
@Component(configurationPid = PostgresStoreComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = {})
@Designate(ocd = PostgresStoreComponent.Config.class)
public final class PostgresStoreComponent {

    static final String PID = "cuga.store";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStoreComponent.class);

    /** The PostgreSQL options of {@code cuga.store} (runtime-config/cuga.store.cfg documents all of them). */
    @ObjectClassDefinition(name = "cuga store (PostgreSQL)",
        description = "The durable store on PostgreSQL, for several replicas sharing one database.")
    public @interface Config {

        /** @return sqlite or postgres */
        @AttributeDefinition(name = "Backend", description = "sqlite or postgres.")
        String backend() default "sqlite";

        /** @return the JDBC URL */
        @AttributeDefinition(name = "URL", description = "jdbc:postgresql://host:port/database")
        String postgres_url() default "jdbc:postgresql://127.0.0.1:5432/cuga";

        /** @return the user */
        @AttributeDefinition(name = "User")
        String postgres_user() default "cuga";

        /** @return the password */
        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD,
            description = "Prefer postgres.password.file or postgres.password.env.")
        String postgres_password() default "";

        /** @return a file holding the password */
        @AttributeDefinition(name = "Password file",
            description = "A file whose content (trimmed) is the password; wins over postgres.password.")
        String postgres_password_file() default "";

        /** @return an environment variable holding the password */
        @AttributeDefinition(name = "Password environment variable",
            description = "The name of an environment variable holding the password; wins over the others.")
        String postgres_password_env() default "";

        /** @return the pool size */
        @AttributeDefinition(name = "Pool size", description = "The most connections this server opens.")
        int postgres_pool_size() default 10;

        /** @return the connect timeout */
        @AttributeDefinition(name = "Connect timeout (ms)",
            description = "Opening a connection or waiting for a free one fails after this long.")
        long postgres_connect_timeout_ms() default 2000;

        /** @return the socket timeout */
        @AttributeDefinition(name = "Socket timeout (ms)",
            description = "A statement waiting this long for the server fails (the connection is dropped).")
        long postgres_socket_timeout_ms() default 10000;

        /** @return the audit batch size */
        @AttributeDefinition(name = "Audit batch size",
            description = "The most audit records committed in one transaction (group commit).")
        int audit_batch_max() default 256;

        /** @return how long a server may stay silent before the others take it for gone */
        @AttributeDefinition(name = "Instance lease (s)", description = "How long a server's store instance may go "
            + "without showing life (it beats every sixth of this) before the other servers on the database, or "
            + "this one after a restart, take it for gone: they release its budget holds and mark its open tasks "
            + "interrupted. Longer tolerates longer database outages and pauses; shorter recovers sooner.",
            min = "3")
        int lease_seconds() default 30;
    }

    private final JdbcStore store;
    private final StoreServices services;

    /**
     * @param context for the registrations
     * @param config the configuration
     */
    @Activate
    public PostgresStoreComponent(BundleContext context, Config config) {
        String backend = config.backend() == null ? "sqlite" : config.backend().trim();
        if (!"postgres".equals(backend)) {
            LOG.debug("cuga.store backend is {}: PostgreSQL store not started", backend);
            store = null;
            services = null;
            return;
        }
        PostgresDatabase.Settings settings = new PostgresDatabase.Settings(config.postgres_url().trim(),
            config.postgres_user(), password(config), config.postgres_pool_size(),
            config.postgres_connect_timeout_ms(), config.postgres_socket_timeout_ms());
        store = PostgresDatabase.open(settings, Math.max(1, config.audit_batch_max()), null,
            1000L * Math.max(3, config.lease_seconds()));
        services = StoreServices.register(context, store);
        LOG.info("Store backend postgres: {} as {} (pool of {})", PostgresDatabase.target(settings.url()),
            settings.user(), Math.max(2, settings.poolSize()));
    }

    static String password(Config config) {
        String env = config.postgres_password_env();
        if (env != null && !env.isBlank()) {
            String value = System.getenv(env.trim());
            if (value != null) {
                return value;
            }
            LOG.error("cuga.store: postgres.password.env names {}, which is not set", env.trim());
        }
        String file = config.postgres_password_file();
        if (file != null && !file.isBlank()) {
            try {
                return Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                LOG.error("cuga.store: cannot read postgres.password.file {}: {}", file.trim(), e.toString());
            }
        }
        return config.postgres_password() == null ? "" : config.postgres_password();
    }

    /** Withdraws the services, closes the store and its pool. */
    @Deactivate
    void deactivate() {
        if (services != null) {
            services.close();
        }
        if (store != null) {
            store.close();
            ((HikariDataSource) store.dataSource()).close();
        }
    }
}
