package io.cuga.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Flushable;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;

class EventBusTest {

    private final List<EventBus> buses = new ArrayList<>();

    EventBus bus(Map<String, Object> overrides) {
        EventBus bus = new EventBus(Configs.of(EventBusConfig.class, overrides),
            Configs.defaults(RedactionConfig.class));
        buses.add(bus);
        return bus;
    }

    @AfterEach
    void stop() {
        buses.forEach(EventBus::deactivate);
    }

    static Event event(int i) {
        return new Event("tool.call.complete", Instant.now(), "", "default", "", "ok", i,
            Map.of("tool", "calculator", "n", i));
    }

    static Map<String, Object> named(String name) {
        return Map.of(EventSink.NAME, name, "service.id", 7L);
    }

    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    /** Records what it gets, optionally only events of the given type prefix. */
    static final class Recorder implements EventSink {
        final List<Event> events = new CopyOnWriteArrayList<>();
        final Set<Thread> threads = Collections.synchronizedSet(new java.util.HashSet<>());

        @Override
        public void accept(Event event) {
            threads.add(Thread.currentThread());
            events.add(event);
        }

        List<Event> ofType(String type) {
            return events.stream().filter(e -> e.type().equals(type)).toList();
        }
    }

    /** Blocks in accept until released. */
    static final class Blocked implements EventSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger accepted = new AtomicInteger();

        @Override
        public void accept(Event event) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            accepted.incrementAndGet();
        }
    }

    @Test
    void withoutSinksPublishingIsANoOp() {
        EventBus bus = bus(Map.of());
        bus.publish(event(1));
        bus.publish(null);
        assertThat(bus.channels()).isEmpty();
    }

    @Test
    void everySinkGetsEveryEventInOrderOnAThreadOfItsOwn() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        bus.bindEventSink(a, named("a"));
        bus.bindEventSink(b, named("b"));
        for (int i = 0; i < 1000; i++) {
            bus.publish(event(i));
        }
        assertThat(await(Duration.ofSeconds(5), () -> a.ofType("tool.call.complete").size() == 1000
            && b.ofType("tool.call.complete").size() == 1000)).isTrue();
        for (Recorder r : List.of(a, b)) {
            List<Event> calls = r.ofType("tool.call.complete");
            for (int i = 0; i < 1000; i++) {
                assertThat(calls.get(i).attributes().get("n")).isEqualTo(i);
            }
            assertThat(r.threads).hasSize(1).doesNotContain(Thread.currentThread());
        }
        assertThat(a.threads).doesNotContainAnyElementsOf(b.threads);
        assertThat(a.threads.iterator().next().getName()).isEqualTo("cuga-events-a");
        assertThat(bus.channels().get("a").delivered()).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void sinksSeeRedactedEventsOnly() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder sink = new Recorder();
        bus.bindEventSink(sink, named("r"));
        bus.publish(new Event("tool.call.start", Instant.now(), "", "", "", "", 0,
            Map.of("tool", "http_get", "arguments", Map.of("url", "https://example.org", "headers",
                Map.of("Authorization", "Bearer xyz")), "api_key", "sk-123")));
        assertThat(await(Duration.ofSeconds(5), () -> !sink.ofType("tool.call.start").isEmpty())).isTrue();
        Event seen = sink.ofType("tool.call.start").get(0);
        assertThat(seen.attributes().get("api_key")).isEqualTo("[REDACTED]");
        assertThat(seen.toString()).doesNotContain("xyz", "sk-123").contains("https://example.org");
    }

    @Test
    void aBlockedSinkLosesOnlyItsOwnEventsAndTheDropsAreCountedExactly() throws Exception {
        EventBus bus = bus(Map.of("queue_size", 5, "report_interval_ms", 600_000L));
        Blocked blocked = new Blocked();
        Recorder fast = new Recorder();
        bus.bindEventSink(blocked, named("blocked"));
        bus.bindEventSink(fast, named("fast"));
        // the stats events of the two connections are in the buffers too: let the blocked sink take one and hang
        assertThat(blocked.entered.await(5, TimeUnit.SECONDS)).isTrue();
        SinkChannel channel = bus.channels().get("blocked");
        int queuedBefore = channel.queued();
        long droppedBefore = channel.dropped();

        long[] took = new long[200];
        for (int i = 0; i < 200; i++) {
            long start = System.nanoTime();
            bus.publish(event(i));
            took[i] = System.nanoTime() - start;
            int sent = i + 1;
            if (sent % 2 == 0) { // the fast sink's buffer holds 5: let it catch up
                assertThat(await(Duration.ofSeconds(5), () -> fast.ofType("tool.call.complete").size() == sent))
                    .isTrue();
            }
        }

        // the blocked sink takes nothing until the end of the test, so a publish that waited for it (or for room in
        // its buffer) would hang, or take its timeout on each of the ~195 drops. The slowest few publishes are left
        // out of the sum: on a loaded machine the test thread can lose the CPU in the middle of any call.
        Arrays.sort(took);
        long elapsed = Arrays.stream(took, 0, took.length - 10).sum();
        assertThat(TimeUnit.NANOSECONDS.toMillis(elapsed)).as("publish never waits for a sink").isLessThan(1000);
        assertThat(channel.queued()).isEqualTo(5);
        assertThat(channel.dropped() - droppedBefore).isEqualTo(200 - (5 - queuedBefore));
        assertThat(fast.ofType("tool.call.complete")).hasSize(200);
        assertThat(bus.channels().get("fast").dropped()).isZero();

        // the counts are reported as an event every sink sees
        bus.reportChanges();
        assertThat(await(Duration.ofSeconds(5), () -> fast.ofType(EventBus.STATS_EVENT).stream()
            .anyMatch(e -> "blocked".equals(e.attributes().get("sink"))
                && ((Number) e.attributes().get("dropped")).longValue() >= 195))).isTrue();
        blocked.release.countDown();
    }

    @Test
    void aThrowingSinkLosesTheEventItThrewOnAndNothingElse() throws Exception {
        EventBus bus = bus(Map.of());
        AtomicInteger calls = new AtomicInteger();
        EventSink throwing = event -> {
            calls.incrementAndGet();
            throw new IllegalStateException("exporter broken");
        };
        Recorder fine = new Recorder();
        bus.bindEventSink(throwing, named("throwing"));
        bus.bindEventSink(fine, named("fine"));
        for (int i = 0; i < 100; i++) {
            bus.publish(event(i));
        }
        assertThat(await(Duration.ofSeconds(5), () -> fine.ofType("tool.call.complete").size() == 100)).isTrue();
        SinkChannel channel = bus.channels().get("throwing");
        assertThat(await(Duration.ofSeconds(5), () -> channel.queued() == 0 && calls.get() >= 100)).isTrue();
        assertThat(channel.failed()).isEqualTo(calls.get());
        assertThat(channel.dropped()).isZero();
        bus.reportChanges();
        assertThat(await(Duration.ofSeconds(5), () -> fine.ofType(EventBus.STATS_EVENT).stream()
            .anyMatch(e -> "throwing".equals(e.attributes().get("sink"))
                && ((Number) e.attributes().get("failed")).longValue() >= 100))).isTrue();
    }

    @Test
    void aNewSinkHearsEverySinksCountsSoItsMetricsExistFromTheStart() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        bus.bindEventSink(first, named("first"));
        bus.bindEventSink(second, named("second"));
        assertThat(await(Duration.ofSeconds(5), () -> second.ofType(EventBus.STATS_EVENT).size() >= 2)).isTrue();
        assertThat(second.ofType(EventBus.STATS_EVENT)).extracting(e -> e.attributes().get("sink"))
            .contains("first", "second");
        Event stats = second.ofType(EventBus.STATS_EVENT).get(0);
        assertThat(stats.attributes()).containsKeys("dropped", "failed", "delivered", "queued", "capacity");
        assertThat(stats.status()).isEqualTo("ok");
    }

    @Test
    void sinkNamesAreUniqueAndFallBackToTheComponentName() {
        EventBus bus = bus(Map.of());
        bus.bindEventSink(new Recorder(), named("same"));
        bus.bindEventSink(new Recorder(), Map.of(EventSink.NAME, "same", "service.id", 99L));
        bus.bindEventSink(new Recorder(), Map.of("component.name", "io.example.Sink"));
        assertThat(bus.channels().keySet()).containsExactly("same", "same#99", "io.example.Sink");
    }

    @Test
    void aRemovedSinkDeliversWhatItHoldsWithinItsGrace() throws Exception {
        EventBus bus = bus(Map.of("close_grace_ms", 5000L));
        List<Event> got = new CopyOnWriteArrayList<>();
        EventSink slow = event -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            got.add(event);
        };
        bus.bindEventSink(slow, named("slow"));
        for (int i = 0; i < 100; i++) {
            bus.publish(event(i));
        }
        bus.unbindEventSink(slow);
        assertThat(got.stream().filter(e -> e.type().equals("tool.call.complete")).count()).isEqualTo(100);
        assertThat(bus.channels()).doesNotContainKey("slow");
        bus.publish(event(100)); // nobody left: fine
    }

    @Test
    void aStuckSinkDoesNotHoldUpItsRemovalForLong() throws Exception {
        EventBus bus = bus(Map.of("close_grace_ms", 200L));
        CountDownLatch entered = new CountDownLatch(1);
        AtomicBoolean stuckNow = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        EventSink stuck = event -> {
            stuckNow.set(true);
            entered.countDown();
            // stuck until the test is over (at most 30 s, should a broken bus wait for it), and deaf to interrupts
            // like badly written code; it parks instead of spinning so it takes no CPU from the tests after it
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!release.get() && System.nanoTime() < end) {
                Thread.interrupted();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            stuckNow.set(false);
        };
        try {
            bus.bindEventSink(stuck, named("stuck"));
            bus.publish(event(1));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            bus.unbindEventSink(stuck);
            // the grace (200 ms) twice over is what removal may take; the bound only needs to be far below 30 s
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
            assertThat(stuckNow).as("the removal did not wait for the sink to return").isTrue();
            assertThat(bus.channels()).doesNotContainKey("stuck");
        } finally {
            release.set(true);
        }
    }

    @Test
    void aFlushableSinkIsFlushedWhenItsBufferRunsEmpty() throws Exception {
        EventBus bus = bus(Map.of());
        List<String> log = new CopyOnWriteArrayList<>();
        class Buffered implements EventSink, Flushable {
            @Override
            public void accept(Event event) {
                log.add("event");
            }

            @Override
            public void flush() {
                log.add("flush");
            }
        }
        bus.bindEventSink(new Buffered(), named("buffered"));
        assertThat(await(Duration.ofSeconds(5), () -> log.contains("flush"))).isTrue();
        log.clear();
        for (int i = 0; i < 10; i++) {
            bus.publish(event(i));
        }
        assertThat(await(Duration.ofSeconds(5), () -> log.size() >= 11 && log.get(log.size() - 1).equals("flush")))
            .as(log.toString()).isTrue();
        assertThat(log.stream().filter("flush"::equals).count()).isLessThanOrEqualTo(10);
    }

    @Test
    void redactionKeysChangeInPlace() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder sink = new Recorder();
        bus.bindEventSink(sink, named("r"));
        bus.modified(Configs.defaults(EventBusConfig.class),
            Configs.of(RedactionConfig.class, Map.of("keys", new String[] {"ssn, iban"})));
        bus.publish(new Event("x", Instant.now(), "", "", "", "", 0, Map.of("ssn", "1", "iban", "2", "token", "3")));
        assertThat(await(Duration.ofSeconds(5), () -> !sink.ofType("x").isEmpty())).isTrue();
        assertThat(sink.ofType("x").get(0).attributes()).containsEntry("ssn", "[REDACTED]")
            .containsEntry("iban", "[REDACTED]").containsEntry("token", "3");
    }

    @Test
    void anEventThatCannotBeRedactedIsDroppedNotPublishedAndPublishDoesNotThrow() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder sink = new Recorder();
        bus.bindEventSink(sink, named("r"));
        Map<String, Object> hostile = new AbstractMap<>() {
            @Override
            public Set<Entry<String, Object>> entrySet() {
                throw new UnsupportedOperationException("no iteration today");
            }

            @Override
            public boolean isEmpty() {
                return false;
            }
        };
        bus.publish(new Event("hostile", Instant.now(), "", "", "", "", 0, hostile));
        bus.publish(event(1));
        assertThat(await(Duration.ofSeconds(5), () -> !sink.ofType("tool.call.complete").isEmpty())).isTrue();
        assertThat(sink.ofType("hostile")).isEmpty();
        assertThat(bus.channels().get("r").dropped()).isEqualTo(1);
    }

    @Test
    void deactivationStopsEveryThread() throws Exception {
        EventBus bus = bus(Map.of());
        Recorder sink = new Recorder();
        bus.bindEventSink(sink, named("r"));
        bus.publish(event(1));
        assertThat(await(Duration.ofSeconds(5), () -> !sink.threads.isEmpty())).isTrue();
        Thread thread = sink.threads.iterator().next();
        bus.deactivate();
        thread.join(5000);
        assertThat(thread.isAlive()).isFalse();
        bus.publish(event(2)); // after deactivation: nothing, and no exception
    }
}
