package io.cuga.testing.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryHit;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;

/**
 * What every {@link MemoryStore} backend does, as its users see it. A backend's test class extends this with
 * {@link #open} returning the real store (on a real file, a real database).
 */
public abstract class MemoryStoreContract {

    /** A backend instance under test. */
    public interface Backend extends AutoCloseable {

        /** @return the store */
        MemoryStore store();

        /**
         * Runs the periodic age prune now.
         *
         * @return how many entries it deleted
         */
        int prune();

        /**
         * @return a new store instance on the same storage (a restart), for durable backends
         * @throws Exception when it cannot be opened
         */
        MemoryStore reopen() throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    /** alice, session s1. */
    protected static final MemoryScope A = new MemoryScope("alice", "s1");
    /** alice, profile-wide. */
    protected static final MemoryScope A_WIDE = new MemoryScope("alice", "");
    /** bob, the same session name as alice's. */
    protected static final MemoryScope B = new MemoryScope("bob", "s1");
    /** bob, profile-wide. */
    protected static final MemoryScope B_WIDE = new MemoryScope("bob", "");

    /** The time the stores see; tests move it. */
    protected final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00.123456Z"));

    private final List<Backend> opened = new ArrayList<>();

    /**
     * @param maxEntriesPerScope max.entries.per.scope
     * @param maxAge max.age (zero: none)
     * @param clock the store's clock
     * @return a new, empty backend
     * @throws Exception when it cannot be opened
     */
    protected abstract Backend open(int maxEntriesPerScope, Duration maxAge, Clock clock) throws Exception;

    /** @return whether a new instance on the same storage sees the entries */
    protected abstract boolean durable();

    @AfterEach
    void closeBackends() throws Exception {
        for (Backend b : opened) {
            b.close();
        }
        opened.clear();
    }

    /**
     * @param maxEntriesPerScope max.entries.per.scope
     * @param maxAge max.age
     * @return an opened backend, closed after the test
     */
    protected final Backend backend(int maxEntriesPerScope, Duration maxAge) throws Exception {
        Backend b = open(maxEntriesPerScope, maxAge, clock);
        opened.add(b);
        return b;
    }

    /** @return a store with the default retention (1000 per scope, 30 days) */
    protected final MemoryStore store() throws Exception {
        return backend(1000, Duration.ofDays(30)).store();
    }

    /** A text entry with an assigned id, one millisecond after the previous one. */
    protected final MemoryEntry put(MemoryStore store, MemoryScope scope, String text) {
        return put(store, new MemoryEntry("", scope, text, Map.of(), null, null));
    }

    /** Puts the entry one millisecond after the previous one. */
    protected final MemoryEntry put(MemoryStore store, MemoryEntry e) {
        clock.advance(Duration.ofMillis(1));
        return store.put(e);
    }

    private static List<String> texts(List<MemoryHit> hits) {
        return hits.stream().map(h -> h.entry().text()).toList();
    }

    private static List<MemoryHit> search(MemoryStore s, MemoryScope scope, String text) {
        return s.search(scope, MemoryQuery.text(text, 100));
    }

    @Test
    void aPutGetsAnIdAndATimeAndGetReturnsTheEntryAsStored() throws Exception {
        MemoryStore s = store();
        Map<String, Object> meta = Map.of("kind", "note", "tries", 3, "ok", false, "tags", List.of("ci", "prod"),
            "nested", Map.of("a", "b"));
        MemoryEntry stored = put(s, new MemoryEntry("", A, "The deploy failed on Friday", meta, null,
            new float[] {0.5f, -1f, 2f}));

        assertThat(stored.id()).isNotEmpty();
        assertThat(stored.createdAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        MemoryEntry got = s.get(A, stored.id()).orElseThrow();
        assertThat(got.id()).isEqualTo(stored.id());
        assertThat(got.scope()).isEqualTo(A);
        assertThat(got.text()).isEqualTo("The deploy failed on Friday");
        assertThat(got.metadata()).isEqualTo(meta);
        assertThat(got.createdAt()).isEqualTo(stored.createdAt());
        assertThat(got.embedding()).containsExactly(0.5f, -1f, 2f);
        assertThat(s.get(A, "no-such-id")).isEmpty();

        MemoryEntry given = put(s, new MemoryEntry("my-id", A, "given id and time", Map.of(),
            Instant.parse("2026-11-26T08:00:00Z"), null));
        assertThat(given.id()).isEqualTo("my-id");
        assertThat(s.get(A, "my-id").orElseThrow().createdAt()).isEqualTo(Instant.parse("2026-11-26T08:00:00Z"));
        assertThat(s.get(A, "my-id").orElseThrow().embedding()).isNull();
    }

    @Test
    void aPutWithAnExistingIdReplacesTheEntry() throws Exception {
        MemoryStore s = store();
        put(s, new MemoryEntry("n1", A, "first version", Map.of(), null, null));
        put(s, new MemoryEntry("n1", A, "second version", Map.of("v", 2), null, null));

        assertThat(s.count(A)).isEqualTo(1);
        assertThat(s.get(A, "n1").orElseThrow().text()).isEqualTo("second version");
        assertThat(search(s, A, "first")).isEmpty();
        assertThat(texts(search(s, A, "version"))).containsExactly("second version");
    }

    @Test
    void deleteClearAndCountWorkOnOneScope() throws Exception {
        MemoryStore s = store();
        MemoryEntry one = put(s, A, "one");
        put(s, A, "two");
        put(s, A, "three");
        put(s, A_WIDE, "wide one");
        put(s, A_WIDE, "wide two");

        assertThat(s.count(A)).isEqualTo(3);
        assertThat(s.count(A_WIDE)).isEqualTo(2);
        assertThat(s.delete(A, one.id())).isTrue();
        assertThat(s.delete(A, one.id())).isFalse();
        assertThat(s.get(A, one.id())).isEmpty();
        assertThat(s.count(A)).isEqualTo(2);
        assertThat(s.clear(A)).isEqualTo(2);
        assertThat(s.count(A)).isZero();
        assertThat(s.count(A_WIDE)).as("clearing a session leaves the profile-wide entries").isEqualTo(2);
        assertThat(s.clear(A_WIDE)).isEqualTo(2);
        assertThat(s.clear(A_WIDE)).isZero();
    }

    @Test
    void aProfileNeverSeesCountsOrDeletesAnotherProfilesEntries() throws Exception {
        MemoryStore s = store();
        put(s, new MemoryEntry("same", A, "alice secret plan", Map.of("kind", "secret"), null, new float[] {1, 0}));
        put(s, new MemoryEntry("same", B, "bob public note", Map.of("kind", "secret"), null, new float[] {1, 0}));
        put(s, new MemoryEntry("wide", A_WIDE, "alice secret profile note", Map.of(), null, null));

        assertThat(s.get(B, "same").orElseThrow().text()).isEqualTo("bob public note");
        assertThat(s.get(A, "same").orElseThrow().text()).isEqualTo("alice secret plan");
        assertThat(s.get(B_WIDE, "wide")).isEmpty();
        assertThat(s.search(B, new MemoryQuery("secret", Map.of(), true, 100, null))).isEmpty();
        assertThat(texts(s.search(B, new MemoryQuery("", Map.of("kind", "secret"), true, 100, null))))
            .containsExactly("bob public note");
        assertThat(texts(s.search(B, new MemoryQuery("", Map.of(), true, 100, new float[] {1, 0}))))
            .containsExactly("bob public note");
        assertThat(s.count(B)).isEqualTo(1);
        assertThat(s.count(B_WIDE)).isZero();

        assertThat(s.delete(B, "same")).isTrue();
        assertThat(s.delete(B_WIDE, "wide")).isFalse();
        assertThat(s.clear(B_WIDE)).isZero();
        assertThat(s.clear(B)).isZero();
        assertThat(s.get(A, "same")).isPresent();
        assertThat(s.get(A_WIDE, "wide")).isPresent();
        assertThat(s.count(A)).isEqualTo(1);
        assertThat(s.count(A_WIDE)).isEqualTo(1);
    }

    @Test
    void aSessionSeesTheProfileWideEntriesOnlyWhenItAsks() throws Exception {
        MemoryStore s = store();
        MemoryScope otherSession = new MemoryScope("alice", "s2");
        put(s, A, "cats in this session");
        put(s, A_WIDE, "cats for the whole profile");
        put(s, otherSession, "cats in another session");

        assertThat(texts(s.search(A, new MemoryQuery("cats", Map.of(), false, 100, null))))
            .containsExactly("cats in this session");
        assertThat(texts(s.search(A, new MemoryQuery("cats", Map.of(), true, 100, null))))
            .containsExactlyInAnyOrder("cats in this session", "cats for the whole profile");
        assertThat(texts(s.search(A_WIDE, new MemoryQuery("cats", Map.of(), true, 100, null))))
            .containsExactly("cats for the whole profile");
        assertThat(texts(s.search(A, new MemoryQuery("", Map.of(), true, 100, null))))
            .containsExactly("cats for the whole profile", "cats in this session");
        assertThat(s.count(A_WIDE)).isEqualTo(1);
    }

    @Test
    void everyWordMustOccurAsAWordWhateverItsCase() throws Exception {
        MemoryStore s = store();
        put(s, A, "The Quick brown fox");
        put(s, A, "quick thinking");
        put(s, A, "Brown-FOX jumps");
        put(s, A, "foxes are quick");
        put(s, A, "Über die Straße, 2026!");

        assertThat(texts(search(s, A, "quick FOX"))).containsExactly("The Quick brown fox");
        assertThat(texts(search(s, A, "fox"))).containsExactlyInAnyOrder("The Quick brown fox", "Brown-FOX jumps");
        assertThat(texts(search(s, A, "  brown,  fox! "))).containsExactlyInAnyOrder("The Quick brown fox",
            "Brown-FOX jumps");
        assertThat(search(s, A, "qu")).as("whole words, no prefixes").isEmpty();
        assertThat(search(s, A, "quick cat")).as("every word").isEmpty();
        assertThat(texts(search(s, A, "über STRASSE"))).isEmpty();
        assertThat(texts(search(s, A, "ÜBER straße 2026"))).containsExactly("Über die Straße, 2026!");
        assertThat(texts(search(s, A, "the"))).as("no stop words").containsExactly("The Quick brown fox");
    }

    @Test
    void metadataFiltersMustAllMatch() throws Exception {
        MemoryStore s = store();
        put(s, new MemoryEntry("", A, "memo one", Map.of("kind", "note", "tool", "calculator", "tries", 3, "ok", true),
            null, null));
        put(s, new MemoryEntry("", A, "memo two", Map.of("kind", "note", "tool", "http"), null, null));
        put(s, new MemoryEntry("", A, "memo three", Map.of("kind", "fact", "tags", List.of("note")), null, null));

        assertThat(texts(s.search(A, new MemoryQuery("memo", Map.of("kind", "note"), false, 100, null))))
            .containsExactlyInAnyOrder("memo one", "memo two");
        assertThat(texts(s.search(A, new MemoryQuery("memo", Map.of("kind", "note", "tool", "http"), false, 100,
            null)))).containsExactly("memo two");
        assertThat(texts(s.search(A, new MemoryQuery("", Map.of("tries", "3"), false, 100, null))))
            .containsExactly("memo one");
        assertThat(texts(s.search(A, new MemoryQuery("", Map.of("ok", "true"), false, 100, null))))
            .containsExactly("memo one");
        assertThat(s.search(A, new MemoryQuery("", Map.of("kind", "NOTE"), false, 100, null))).isEmpty();
        assertThat(s.search(A, new MemoryQuery("", Map.of("missing", "x"), false, 100, null))).isEmpty();
        assertThat(s.search(A, new MemoryQuery("", Map.of("tags", "note"), false, 100, null)))
            .as("a list never equals a filter").isEmpty();
    }

    @Test
    void theBestMatchComesFirstNewestOnTiesAndTheLimitCuts() throws Exception {
        MemoryStore s = store();
        put(s, A, "apple banana");
        put(s, A, "apple apple apple banana");
        put(s, A, "apple cherry");
        put(s, A, "banana");

        assertThat(texts(search(s, A, "apple"))).containsExactly("apple apple apple banana", "apple cherry",
            "apple banana");
        List<MemoryHit> hits = search(s, A, "apple");
        assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
        assertThat(texts(s.search(A, MemoryQuery.text("apple", 1)))).containsExactly("apple apple apple banana");
        assertThat(texts(s.search(A, MemoryQuery.text("", 2)))).containsExactly("banana", "apple cherry");
        assertThat(search(s, new MemoryScope("nobody", "x"), "apple")).isEmpty();
    }

    @Test
    void retentionByCountKeepsTheNewestEntriesOfEachScope() throws Exception {
        MemoryStore s = backend(3, Duration.ofDays(30)).store();
        put(s, B, "bob's only entry");
        for (int i = 1; i <= 5; i++) {
            put(s, A, "entry " + i);
        }
        assertThat(s.count(A)).isEqualTo(3);
        assertThat(texts(search(s, A, "entry"))).containsExactly("entry 5", "entry 4", "entry 3");
        assertThat(s.count(B)).isEqualTo(1);
        put(s, A_WIDE, "profile-wide is a scope of its own");
        assertThat(s.count(A)).isEqualTo(3);
        assertThat(s.count(A_WIDE)).isEqualTo(1);
    }

    @Test
    void entriesPastTheMaximumAgeAreHiddenAtOnceAndDeletedByThePrune() throws Exception {
        Backend b = backend(1000, Duration.ofDays(2));
        MemoryStore s = b.store();
        MemoryEntry old = put(s, A, "old news");
        clock.advance(Duration.ofDays(1));
        MemoryEntry recent = put(s, A_WIDE, "recent news");
        assertThat(b.prune()).isZero();
        clock.advance(Duration.ofDays(1).plusSeconds(1));

        assertThat(s.get(A, old.id())).isEmpty();
        assertThat(texts(s.search(A, new MemoryQuery("news", Map.of(), true, 100, null))))
            .containsExactly("recent news");
        assertThat(s.count(A)).isZero();
        assertThat(b.prune()).isEqualTo(1);
        assertThat(b.prune()).isZero();
        assertThat(s.get(A_WIDE, recent.id())).isPresent();
    }

    @Test
    void sizesAreBoundedAndTheErrorNamesTheLimit() throws Exception {
        MemoryStore s = store();
        put(s, A, "x".repeat(64 * 1024));
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "x".repeat(64 * 1024 + 1), Map.of(), null, null)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "é".repeat(32 * 1024 + 1), Map.of(), null, null)))
            .as("the limit is in UTF-8 bytes").isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("65536");
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "t", Map.of("big", "y".repeat(8 * 1024)), null, null)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8192");
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "t", Map.of("thing", new Object()), null, null)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("thing");
        assertThatThrownBy(() -> s.put(new MemoryEntry("i".repeat(129), A, "t", Map.of(), null, null)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("128");
        assertThatThrownBy(() -> s.put(new MemoryEntry("", A, "t", Map.of(), null, new float[5000])))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
        assertThatThrownBy(() -> s.search(A, MemoryQuery.text("a b c d e f g h i j k l m n o p q r s t u v w x y z "
            + "aa bb cc dd ee ff gg", 10))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
        assertThatThrownBy(() -> MemoryQuery.text("x", 101)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.count(A)).as("nothing of the refused entries was stored").isEqualTo(1);
    }

    @Test
    void manyThreadsPuttingIntoOneScopeNeverExceedTheCount() throws Exception {
        int max = 10;
        MemoryStore s = backend(max, Duration.ofDays(30)).store();
        int threads = 8;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong most = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < each; i++) {
                            s.put(new MemoryEntry("", A, "thread " + thread + " entry " + i, Map.of(), null, null));
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                start.await();
                while (writing.get()) {
                    most.accumulateAndGet(s.count(A), Math::max);
                }
                return null;
            });
            start.countDown();
            for (Future<?> w : writers) {
                w.get(120, TimeUnit.SECONDS);
            }
            writing.set(false);
            reader.get(30, TimeUnit.SECONDS);
            assertThat(errors).isEmpty();
            assertThat(most.get()).as("the most entries the scope ever held").isBetween(1L, (long) max);
            assertThat(s.count(A)).isEqualTo(max);
            assertThat(s.search(A, MemoryQuery.text("entry", 100))).hasSize(max);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aQueryWithAnEmbeddingAndNoTextRanksByCosineSimilarity() throws Exception {
        MemoryStore s = store();
        put(s, new MemoryEntry("", A, "east", Map.of(), null, new float[] {1, 0}));
        put(s, new MemoryEntry("", A, "north-east", Map.of(), null, new float[] {0.7f, 0.7f}));
        put(s, new MemoryEntry("", A, "north", Map.of(), null, new float[] {0, 1}));
        put(s, new MemoryEntry("", A, "no vector", Map.of(), null, null));
        put(s, new MemoryEntry("", A, "three dimensions", Map.of(), null, new float[] {1, 0, 0}));

        List<MemoryHit> hits = s.search(A, new MemoryQuery("", Map.of(), false, 10, new float[] {1, 0.1f}));
        assertThat(texts(hits)).containsExactly("east", "north-east", "north");
        assertThat(hits.get(0).score()).isCloseTo(0.995, org.assertj.core.data.Offset.offset(0.001));
        assertThat(texts(s.search(A, new MemoryQuery("", Map.of(), false, 1, new float[] {0, 1}))))
            .containsExactly("north");
        assertThat(texts(s.search(A, new MemoryQuery("vector", Map.of(), false, 10, new float[] {1, 0}))))
            .as("with text, the text decides").containsExactly("no vector");
    }

    @Test
    void theEntriesSurviveARestart() throws Exception {
        Assumptions.assumeTrue(durable(), "this backend keeps its entries in memory only");
        Backend b = backend(1000, Duration.ofDays(30));
        MemoryEntry e = put(b.store(), new MemoryEntry("", A, "remember the milk", Map.of("kind", "todo"), null,
            new float[] {1, 2}));
        MemoryStore again = b.reopen();
        MemoryEntry got = again.get(A, e.id()).orElseThrow();
        assertThat(got.text()).isEqualTo("remember the milk");
        assertThat(got.metadata()).isEqualTo(Map.of("kind", "todo"));
        assertThat(got.createdAt()).isEqualTo(e.createdAt());
        assertThat(got.embedding()).containsExactly(1f, 2f);
        assertThat(texts(again.search(A, MemoryQuery.text("MILK", 10)))).containsExactly("remember the milk");
        assertThat(again.count(A)).isEqualTo(1);
    }
}
