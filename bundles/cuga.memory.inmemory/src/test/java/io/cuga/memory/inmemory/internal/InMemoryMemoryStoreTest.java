package io.cuga.memory.inmemory.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.memory.support.internal.Retention;
import io.cuga.testing.memory.Configs;
import io.cuga.testing.memory.MemoryStoreContract;

/** The shared behaviour, plus what only the heap needs: a global bound across all scopes. */
class InMemoryMemoryStoreTest extends MemoryStoreContract {

    @Override
    protected Backend open(int maxEntriesPerScope, Duration maxAge, Clock clock) {
        InMemoryMemoryStore store = new InMemoryMemoryStore(new InMemoryMemoryStore.Settings(
            new Retention(maxEntriesPerScope, maxAge, Duration.ZERO), 100_000, 64L * 1024 * 1024), clock);
        return new Backend() {
            @Override
            public MemoryStore store() {
                return store;
            }

            @Override
            public int prune() {
                return store.prune();
            }

            @Override
            public MemoryStore reopen() {
                throw new UnsupportedOperationException("in memory only");
            }
        };
    }

    @Override
    protected boolean durable() {
        return false;
    }

    @Test
    void theWholeStoreStaysWithinItsEntryAndByteCapsDroppingTheOldestOfAnyScope() {
        InMemoryMemoryStore s = new InMemoryMemoryStore(new InMemoryMemoryStore.Settings(
            new Retention(1000, Duration.ofDays(30), Duration.ZERO), 5, 64L * 1024 * 1024), clock);
        for (int i = 0; i < 4; i++) {
            put(s, new MemoryScope("p" + i, ""), "early " + i);
        }
        for (int i = 0; i < 3; i++) {
            put(s, new MemoryScope("late", ""), "late " + i);
        }
        assertThat(s.size()).isEqualTo(5);
        assertThat(s.count(new MemoryScope("p0", ""))).isZero();
        assertThat(s.count(new MemoryScope("p1", ""))).isZero();
        assertThat(s.count(new MemoryScope("p2", ""))).isEqualTo(1);
        assertThat(s.count(new MemoryScope("late", ""))).isEqualTo(3);

        InMemoryMemoryStore small = new InMemoryMemoryStore(new InMemoryMemoryStore.Settings(
            new Retention(1000, Duration.ofDays(30), Duration.ZERO), 100_000, 1024 * 1024), clock);
        String big = "z".repeat(60 * 1024);
        for (int i = 0; i < 40; i++) {
            put(small, new MemoryScope("p" + (i % 3), "s"), big);
        }
        assertThat(small.bytes()).isLessThanOrEqualTo(1024 * 1024);
        assertThat(small.size()).isBetween(1, 9);
        assertThat(small.search(new MemoryScope("p0", "s"), MemoryQuery.text("", 100))).isNotEmpty();
    }

    @Test
    void theConfigurationDefaultsAreTheDocumentedOnesAndAChangeAppliesInPlace() {
        InMemoryMemoryStore.Settings defaults = InMemoryMemoryStore.Settings.of(
            Configs.of(InMemoryMemoryStore.Config.class, Map.of()));
        assertThat(defaults.retention()).isEqualTo(new Retention(1000, Duration.ofDays(30), Duration.ofSeconds(600)));
        assertThat(defaults.maxEntriesTotal()).isEqualTo(100_000);
        assertThat(defaults.maxBytesTotal()).isEqualTo(64L * 1024 * 1024);

        InMemoryMemoryStore s = new InMemoryMemoryStore(defaults, clock);
        MemoryScope scope = new MemoryScope("p", "s");
        for (int i = 0; i < 10; i++) {
            put(s, new MemoryEntry("", scope, "entry " + i, Map.of(), null, null));
        }
        s.reconfigure(InMemoryMemoryStore.Settings.of(Configs.of(InMemoryMemoryStore.Config.class,
            Map.of("max_entries_per_scope", 4, "prune_interval_seconds", 0L))));
        assertThat(s.count(scope)).isEqualTo(4);
        assertThat(s.search(scope, MemoryQuery.text("", 1)).get(0).entry().text()).isEqualTo("entry 9");
    }
}
