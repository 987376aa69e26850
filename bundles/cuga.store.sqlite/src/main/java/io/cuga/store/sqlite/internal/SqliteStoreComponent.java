package io.cuga.store.sqlite.internal;

import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.StoreServices;

/**
 * The SQLite store, when PID {@code cuga.store} says {@code backend = sqlite} (the default, also with no
 * configuration at all). It then opens {@code ${cuga.data}/cuga.db} (or {@code sqlite.file}) and registers the
 * store's services; with another backend it registers nothing. A configuration change re-activates it, so
 * changing the backend swaps the services.
 */
@Component(configurationPid = SqliteStoreComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = {})
@Designate(ocd = SqliteStoreComponent.Config.class)
public final class SqliteStoreComponent {

    static final String PID = "cuga.store";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStoreComponent.class);

    /** The SQLite options of {@code cuga.store} (runtime-config/cuga.store.cfg documents all of them). */
    @ObjectClassDefinition(name = "cuga store (SQLite)",
        description = "The durable store: audit trail, budget ledger, approvals. backend selects the database.")
    public @interface Config {

        /** @return sqlite or postgres */
        @AttributeDefinition(name = "Backend", description = "sqlite (embedded, one server) or postgres "
            + "(several replicas on one database).")
        String backend() default "sqlite";

        /** @return the database file, empty for the default */
        @AttributeDefinition(name = "SQLite file",
            description = "The database file. Empty means ${cuga.data}/cuga.db.")
        String sqlite_file() default "";

        /** @return the synchronous level */
        @AttributeDefinition(name = "SQLite synchronous", description = "FULL syncs every commit (nothing "
            + "acknowledged is lost on power failure); NORMAL may lose the last commits on power failure.")
        String sqlite_synchronous() default "FULL";

        /** @return the busy timeout */
        @AttributeDefinition(name = "SQLite busy timeout (ms)",
            description = "How long a write waits for another process holding the database's write lock.")
        int sqlite_busy_timeout_ms() default 5000;

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
     * @param context for {@code cuga.data} and the registrations
     * @param config the configuration
     */
    @Activate
    public SqliteStoreComponent(BundleContext context, Config config) {
        String backend = config.backend() == null ? "sqlite" : config.backend().trim();
        if (!"sqlite".equals(backend)) {
            LOG.debug("cuga.store backend is {}: SQLite store not started", backend);
            store = null;
            services = null;
            return;
        }
        Path file = file(context.getProperty("cuga.data"), config.sqlite_file());
        String sync = config.sqlite_synchronous() == null || config.sqlite_synchronous().isBlank() ? "FULL"
            : config.sqlite_synchronous();
        if (!sync.trim().toUpperCase(java.util.Locale.ROOT).matches("OFF|NORMAL|FULL|EXTRA")) {
            LOG.error("cuga.store: sqlite.synchronous must be OFF, NORMAL, FULL or EXTRA, not '{}'; using FULL", sync);
            sync = "FULL";
        }
        store = SqliteDatabase.open(file, sync, Math.max(0, config.sqlite_busy_timeout_ms()),
            Math.max(1, config.audit_batch_max()), null, 1000L * Math.max(3, config.lease_seconds()));
        services = StoreServices.register(context, store);
        LOG.info("Store backend sqlite: {} (synchronous={})", file, sync);
    }

    static Path file(String data, String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim()).toAbsolutePath();
        }
        Path base = data == null || data.isBlank() ? Path.of("data") : Path.of(data);
        return base.resolve("cuga.db").toAbsolutePath();
    }

    /** Withdraws the services and closes the store. */
    @Deactivate
    void deactivate() {
        if (services != null) {
            services.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
