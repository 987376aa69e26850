package io.cuga.testing.postgres;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs one {@link PostgresCluster} for a test class: register it as a static field,
 * {@code @RegisterExtension static PostgresExtension pg = new PostgresExtension();}, then call
 * {@link #cluster()} or {@link #newDatabase()} in the tests. When no PostgreSQL binaries are installed the class's
 * tests are skipped, unless {@link PostgresCluster#required()} (system property
 * {@code cuga.require.postgres=true} or {@code CI=true}), then they fail.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private PostgresCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Optional<Path> bin = PostgresCluster.findBinaries();
        if (bin.isEmpty()) {
            String why = "no PostgreSQL binaries (initdb, pg_ctl) on the PATH or in /usr/lib/postgresql/*/bin";
            if (PostgresCluster.required()) {
                throw new IllegalStateException(why + ", and cuga.require.postgres=true or CI=true requires them");
            }
            Assumptions.abort(why + ": PostgreSQL tests skipped");
        }
        cluster = PostgresCluster.start(bin.get());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** @return the running cluster */
    public PostgresCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the PostgreSQL cluster is not running (register the extension "
                + "on a static field)");
        }
        return cluster;
    }

    /** @return the JDBC URL of a new, empty database */
    public String newDatabase() throws IOException {
        return cluster().createDatabase("t" + DATABASES.incrementAndGet());
    }
}
