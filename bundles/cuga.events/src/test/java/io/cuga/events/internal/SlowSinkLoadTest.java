package io.cuga.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;

/**
 * Many publishers at once, as under load, with a really slow sink (every event written and forced to disk), a
 * sink that always throws, and a fast one: publishing stays fast, the fast sink gets everything, and every event
 * is accounted for at each sink as delivered, failed or dropped.
 */
class SlowSinkLoadTest {

    static final int THREADS = 4;
    static final int PER_THREAD = 25_000;

    /** Appends each event to a file and forces it to disk: milliseconds per event on most disks. */
    static final class SyncingFileSink implements EventSink, AutoCloseable {
        final FileChannel file;
        final AtomicLong written = new AtomicLong();

        SyncingFileSink(Path path) throws IOException {
            file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        }

        @Override
        public void accept(Event event) {
            try {
                file.write(ByteBuffer.wrap((event.type() + " " + event.attributes() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
                file.force(true);
                Thread.sleep(1); // slower still, even on a RAM disk
                written.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    @Test
    void slowAndFailingSinksDoNotSlowPublishersNorCostTheFastSinkAnEvent(@TempDir Path tmp) throws Exception {
        EventBus bus = new EventBus(Configs.of(EventBusConfig.class, Map.of("queue_size", 20_000)),
            Configs.defaults(RedactionConfig.class));
        AtomicLong fastCount = new AtomicLong();
        EventSink fast = event -> {
            if (event.type().equals("tool.call.complete")) {
                fastCount.incrementAndGet();
            }
        };
        EventSink failing = event -> {
            throw new IllegalStateException("down");
        };
        try (SyncingFileSink slow = new SyncingFileSink(tmp.resolve("slow.log"))) {
            bus.bindEventSink(slow, Map.of("cuga.event.sink.name", "slow"));
            bus.bindEventSink(failing, Map.of("cuga.event.sink.name", "failing"));
            bus.bindEventSink(fast, Map.of("cuga.event.sink.name", "fast"));
            Thread.sleep(100); // let the connection stats events through

            long[][] latencies = new long[THREADS][PER_THREAD];
            AtomicLong published = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> publishers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < PER_THREAD; i++) {
                        Map<String, Object> attributes = new LinkedHashMap<>();
                        attributes.put("tool", "calculator");
                        attributes.put("callId", id + "-" + i);
                        attributes.put("arguments", Map.of("expression", "1+2", "api_key", "sk-" + i));
                        long s = System.nanoTime();
                        bus.publish(new Event("tool.call.complete", Instant.now(), "", "default", "", "ok", 1000,
                            attributes));
                        latencies[id][i] = System.nanoTime() - s;
                        published.incrementAndGet();
                        if ((i & 1023) == 0) {
                            // on a busy 2-core machine the fast sink's thread may get no CPU for a while: the
                            // publishers let it catch up to half its queue, so a drop there means isolation
                            // failed, not that the scheduler starved it (the slow sink, 1 ms + fsync per event,
                            // can never catch up and must still drop)
                            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                            while (published.get() - fastCount.get() > 10_000 && System.nanoTime() < waitUntil) {
                                try {
                                    Thread.sleep(1);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        }
                    }
                }, "publisher-" + t);
                publishers.add(thread);
                thread.start();
            }
            long start = System.nanoTime();
            go.countDown();
            for (Thread thread : publishers) {
                thread.join();
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long total = (long) THREADS * PER_THREAD;

            // waiting for the slow sink would take total × (fsync + 1 ms) ≥ 100 s
            assertThat(elapsedMillis).as("all publishes").isLessThan(30_000);
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            long p99 = all[(int) (all.length * 0.99)];
            assertThat(TimeUnit.NANOSECONDS.toMicros(p99)).as("p99 of one publish, µs").isLessThan(5_000);

            SinkChannel slowChannel = bus.channels().get("slow");
            SinkChannel failingChannel = bus.channels().get("failing");
            SinkChannel fastChannel = bus.channels().get("fast");
            assertThat(slowChannel.dropped()).as("the slow sink drops").isPositive();
            assertThat(EventBusTest.await(java.time.Duration.ofSeconds(30), () -> fastCount.get() >= total))
                .as("the fast sink got %d of %d, dropped %d", fastCount.get(), total, fastChannel.dropped()).isTrue();
            assertThat(fastChannel.dropped()).isZero();

            bus.deactivate(); // the slow sink gets its grace, then the rest of its buffer counts as dropped
            // each sink accounts for every event: delivered + failed + dropped = published (plus the stats events)
            for (SinkChannel channel : List.of(slowChannel, failingChannel)) {
                assertThat(channel.delivered() + channel.failed() + channel.dropped()).as(channel.name())
                    .isBetween(total, total + 10);
                assertThat(channel.queued()).isZero();
            }
            assertThat(failingChannel.delivered()).isZero();
            assertThat(failingChannel.failed()).isPositive();
            // the last one may have been interrupted at the end of its grace
            assertThat(slow.written.get()).isBetween(slowChannel.delivered() - 1, slowChannel.delivered());
        }
    }
}
