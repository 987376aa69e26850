package io.cuga.store.sqlite.internal;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.store.jdbc.Dialect;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.Migration;
import io.cuga.store.jdbc.StoreContract;

/** The store's behaviour on a real SQLite file in a temporary folder. */
class SqliteStoreTest extends StoreContract {

    @TempDir
    Path dir;
    private Path file;
    private int databases;

    @Override
    protected void newDatabase() {
        file = dir.resolve("db" + (++databases)).resolve("cuga.db");
    }

    @Override
    protected JdbcStore openStore(List<Migration> migrations) {
        return SqliteDatabase.open(file, "FULL", 5000, 256, migrations);
    }

    @Override
    protected void stopDatabase() {
        Assumptions.abort("an embedded SQLite file cannot be stopped apart from the server");
    }

    @Override
    protected void startDatabase() {
    }

    @Override
    protected Dialect dialect() {
        return Dialect.SQLITE;
    }
}
