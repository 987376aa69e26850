package io.cuga.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryHit;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;

/** The SQLite memory backend runs on the store's own database (its DataSource service) in the real framework. */
class MemoryTest extends InFrameworkTest {

    @InjectService(filter = "(cuga.memory.backend=sqlite)", timeout = 10_000)
    ServiceAware<MemoryStore> memory;

    @Test
    void entriesAreStoredSearchedAndKeptWithinTheirProfile() {
        String session = Support.unique("mem");
        MemoryScope mine = new MemoryScope("default", session);
        MemoryScope theirs = new MemoryScope("other", session);
        MemoryStore store = memory.getService();
        MemoryEntry stored = store.put(new MemoryEntry("", mine, "the invoice total was 42 euros",
            Map.of("source", "calculator"), null, null));
        assertThat(stored.id()).isNotEmpty();
        assertThat(stored.createdAt()).isNotNull();

        List<MemoryHit> hits = store.search(mine, MemoryQuery.text("Invoice EUROS", 10));
        assertThat(hits).extracting(h -> h.entry().id()).containsExactly(stored.id());
        assertThat(store.search(theirs, MemoryQuery.text("invoice", 10))).isEmpty();
        assertThat(store.get(theirs, stored.id())).isEmpty();
        assertThat(store.delete(theirs, stored.id())).isFalse();
        assertThat(store.count(mine)).isEqualTo(1);
        assertThat(store.delete(mine, stored.id())).isTrue();
        assertThat(store.count(mine)).isZero();
    }
}
