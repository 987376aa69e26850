package io.cuga.events.internal;

import java.io.Flushable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;

/**
 * One sink's bounded buffer and the platform thread that empties it into the sink, in order.
 *
 * <p>{@link #offer} is lock-free and never blocks: when the buffer holds {@code capacity} events the new one is
 * dropped and counted. The delivery thread never makes a publisher wait either: while events keep coming it looks
 * at the buffer every {@value #LINGER_MILLIS} ms and takes what is there, so publishers do not pay for waking it;
 * after {@value #IDLE_MILLIS} ms without events it sleeps until the next publisher wakes it (a burst that half fills
 * the buffer wakes it early too). A sink that throws
 * loses that event (counted as failed); a slow sink fills only its own buffer. A sink that implements
 * {@link Flushable} is flushed whenever its buffer runs empty.
 */
final class SinkChannel {

    /** How long the delivery thread waits between looks at the buffer while events keep coming. */
    static final long LINGER_MILLIS = 10;

    /** After this long without events the thread sleeps until woken. */
    static final long IDLE_MILLIS = 200;

    private static final Logger LOG = LoggerFactory.getLogger(SinkChannel.class);
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String name;
    private final EventSink sink;
    private final int capacity;
    private final int half;
    private final ConcurrentLinkedQueue<Event> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final Thread thread;
    private volatile boolean sleeping;
    private volatile boolean running = true;
    private volatile boolean draining;
    private long lastFailureLog;
    private long failuresSinceLog;

    /**
     * @param name the sink's name, for the metrics and the thread
     * @param sink the sink
     * @param capacity the most events waiting for it
     */
    SinkChannel(String name, EventSink sink, int capacity) {
        this.name = name;
        this.sink = sink;
        this.capacity = Math.max(1, capacity);
        this.half = Math.max(1, this.capacity / 2);
        this.thread = new Thread(this::run, "cuga-events-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts the delivery thread. */
    void start() {
        thread.start();
    }

    String name() {
        return name;
    }

    EventSink sink() {
        return sink;
    }

    int capacity() {
        return capacity;
    }

    /** @return events dropped because the buffer was full */
    long dropped() {
        return dropped.get();
    }

    /** @return events the sink threw on */
    long failed() {
        return failed.get();
    }

    /** @return events the sink accepted */
    long delivered() {
        return delivered.get();
    }

    /** @return events waiting */
    int queued() {
        return size.get();
    }

    /** Counts an event this sink never got (it could not be redacted). */
    void countDrop() {
        dropped.incrementAndGet();
    }

    /**
     * Never blocks, never throws.
     *
     * @param event an event
     * @return false when it was dropped (buffer full or channel closed)
     */
    boolean offer(Event event) {
        return offer(event, true);
    }

    /**
     * @param event an event
     * @param counted whether a drop is counted (the bus's own reports of the counts are not, or a full buffer
     *     would report its own report's drop forever)
     * @return false when it was dropped
     */
    boolean offer(Event event, boolean counted) {
        if (!running) {
            if (counted) {
                dropped.incrementAndGet();
            }
            return false;
        }
        int queued = size.incrementAndGet();
        if (queued > capacity) {
            size.decrementAndGet();
            if (counted) {
                dropped.incrementAndGet();
            }
            return false;
        }
        queue.offer(event);
        // wake the thread when it sleeps, or when a burst half fills the buffer before its next look
        if (sleeping || queued == half) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /**
     * Stops the thread: what is buffered is still delivered for up to {@code graceMillis}, then the rest is
     * discarded. Returns when the thread has ended or the grace has passed (twice over, for a sink stuck in a
     * call, which is then interrupted).
     *
     * @param graceMillis how long to go on delivering
     */
    void close(long graceMillis) {
        draining = true;
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(Math.max(1, graceMillis));
            if (thread.isAlive()) {
                draining = false;
                thread.interrupt();
                thread.join(Math.max(1, graceMillis));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Event sink '{}' did not return within {} ms of being removed; its thread is left to end "
                + "on its own", name, 2 * graceMillis);
        }
        long left = size.getAndSet(0);
        queue.clear();
        if (left > 0) {
            dropped.addAndGet(left);
        }
    }

    private void run() {
        long idleSince = System.nanoTime();
        boolean flushed = true;
        while (running || draining) {
            Event event = queue.poll();
            if (event != null) {
                size.decrementAndGet();
                deliver(event);
                flushed = false;
                continue;
            }
            if (!running) {
                break; // closed and drained
            }
            if (!flushed) {
                flush();
                flushed = true;
                idleSince = System.nanoTime();
            }
            if (System.nanoTime() - idleSince < TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS)) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS));
            } else {
                sleeping = true;
                if (queue.isEmpty() && running) {
                    LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
                }
                sleeping = false;
                if (!queue.isEmpty()) {
                    idleSince = System.nanoTime();
                }
            }
            if (Thread.interrupted() && !running) {
                break;
            }
        }
        if (!flushed) {
            flush();
        }
    }

    private void deliver(Event event) {
        try {
            sink.accept(event);
            delivered.incrementAndGet();
        } catch (Throwable t) { // a sink's problem stays the sink's problem
            failed.incrementAndGet();
            if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
                throw vme;
            }
            logFailure(t);
        }
    }

    private void flush() {
        if (sink instanceof Flushable flushable) {
            try {
                flushable.flush();
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
                    throw vme;
                }
                logFailure(t);
            }
        }
    }

    /** The first failure is logged with its cause; later ones at most once a minute, as a count. */
    private void logFailure(Throwable t) {
        long now = System.nanoTime();
        failuresSinceLog++;
        if (lastFailureLog == 0 || now - lastFailureLog >= FAILURE_LOG_INTERVAL_NANOS) {
            LOG.warn("Event sink '{}' failed {} time(s) since the last report; its events are lost, the others' "
                + "are not. Latest: {}", name, failuresSinceLog, String.valueOf(t));
            lastFailureLog = now == 0 ? 1 : now;
            failuresSinceLog = 0;
        }
    }
}
