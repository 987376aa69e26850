package io.cuga.store.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.api.health.ReadinessCheck.Readiness;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.store.jdbc.JdbcStore;

/** A data folder that cannot hold the database: one clear line in readiness, calls refused, no stack trace. */
class SqliteStartFailureTest {

    @TempDir
    Path dir;

    @Test
    void anUnusableDataFolderMakesTheStoreUnavailableWithAClearReason() throws Exception {
        // a file where the data folder should be (what a read-only or full disk also looks like to SQLite)
        Path blocker = Files.writeString(dir.resolve("data"), "not a folder");
        try (JdbcStore store = SqliteDatabase.open(blocker.resolve("cuga.db"), "FULL", 1000, 256, null)) {
            Readiness r = store.readiness().check();
            assertThat(r.ready()).isFalse();
            assertThat(r.detail()).isEqualTo("SQLite at " + blocker.resolve("cuga.db")
                + ": cannot open the database file (missing or unwritable folder)").doesNotContain("\n");
            assertThatThrownBy(() -> store.append(List.of(io.cuga.store.jdbc.StoreContract.attempt("t1"))))
                .isInstanceOf(StoreUnavailableException.class).hasMessage(r.detail());
        }
    }

    @Test
    void theDefaultFileIsCugaDbInTheDataFolder() {
        assertThat(SqliteStoreComponent.file("/srv/cuga/data", "")).isEqualTo(Path.of("/srv/cuga/data/cuga.db"));
        assertThat(SqliteStoreComponent.file("/srv/cuga/data", " /x/y.db ")).isEqualTo(Path.of("/x/y.db"));
    }
}
