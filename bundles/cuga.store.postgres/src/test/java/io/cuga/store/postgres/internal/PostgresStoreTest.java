package io.cuga.store.postgres.internal;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.zaxxer.hikari.HikariDataSource;

import io.cuga.store.jdbc.Dialect;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.Migration;
import io.cuga.store.jdbc.StoreContract;
import io.cuga.testing.postgres.PostgresCluster;
import io.cuga.testing.postgres.PostgresExtension;

/** The store's behaviour on a real PostgreSQL server (a private cluster started by the test). */
class PostgresStoreTest extends StoreContract {

    @RegisterExtension
    static PostgresExtension pg = new PostgresExtension();

    private final List<HikariDataSource> pools = new ArrayList<>();
    private String url;

    @Override
    protected void newDatabase() throws Exception {
        url = pg.newDatabase();
    }

    @Override
    protected JdbcStore openStore(List<Migration> migrations) {
        JdbcStore store = PostgresDatabase.open(
            new PostgresDatabase.Settings(url, PostgresCluster.USER, "", 8, 2000, 10_000), 256, migrations);
        pools.add((HikariDataSource) store.dataSource());
        return store;
    }

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
        pools.clear();
    }

    @Override
    protected void stopDatabase() throws Exception {
        pg.cluster().stop();
    }

    @Override
    protected void startDatabase() throws Exception {
        pg.cluster().start();
    }

    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRES;
    }
}
