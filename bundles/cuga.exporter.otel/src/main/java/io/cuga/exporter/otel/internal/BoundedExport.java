package io.cuga.exporter.otel.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.opentelemetry.sdk.common.CompletableResultCode;

/**
 * Batches finished spans (each a whole OTLP {@code Span} message) in a bounded queue and hands them to the
 * sender, one request at a time: a span that does not fit is dropped and counted, never waited for, so a slow or
 * dead collector costs only spans. A batch goes out when it is full, and otherwise at the latest one schedule
 * delay after the oldest span arrived ({@link #tick()}, called by the exporter's one scheduler thread).
 */
final class BoundedExport {

    private final Function<List<byte[]>, CompletableResultCode> exporter;
    private final Executor executor;
    private final ArrayBlockingQueue<byte[]> queue;
    private final int batchSize;
    private final AtomicBoolean exporting = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong exported = new AtomicLong();
    private final AtomicReference<Throwable> lastFailure = new AtomicReference<>();

    /**
     * @param exporter sends a batch of spans as one request
     * @param executor where an export starts (the exporter's scheduler)
     * @param queueSize most spans waiting
     * @param batchSize most spans in one request
     */
    BoundedExport(Function<List<byte[]>, CompletableResultCode> exporter, Executor executor, int queueSize,
        int batchSize) {
        this.exporter = exporter;
        this.executor = executor;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.batchSize = batchSize;
    }

    /**
     * Queues a finished span, or drops and counts it when the queue is full; never waits.
     *
     * @param span a whole OTLP {@code Span} message
     */
    void add(byte[] span) {
        if (!queue.offer(span)) {
            dropped.incrementAndGet();
            return;
        }
        if (queue.size() >= batchSize) {
            startExport();
        }
    }

    /** Exports what waits, if nothing is being exported: the schedule delay passed. */
    void tick() {
        if (!queue.isEmpty()) {
            startExport();
        }
    }

    private void startExport() {
        if (exporting.compareAndSet(false, true)) {
            try {
                executor.execute(this::exportBatch);
            } catch (RuntimeException e) { // the scheduler is shut down: what waits is dropped on shutdown
                exporting.set(false);
            }
        }
    }

    /** One request; when it ends, the next one starts if a full batch waits. */
    private void exportBatch() {
        List<byte[]> batch = new ArrayList<>(Math.min(batchSize, queue.size()));
        queue.drainTo(batch, batchSize);
        if (batch.isEmpty()) {
            exporting.set(false);
            return;
        }
        CompletableResultCode result;
        try {
            result = exporter.apply(batch);
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofExceptionalFailure(e);
        }
        CompletableResultCode done = result;
        done.whenComplete(() -> {
            if (done.isSuccess()) {
                exported.addAndGet(batch.size());
            } else {
                failed.addAndGet(batch.size());
                lastFailure.set(done.getFailureThrowable());
            }
            exporting.set(false);
            if (queue.size() >= batchSize) {
                startExport();
            }
        });
    }

    /**
     * Sends what waits, in batches, until the queue is empty or the time is up; for shutdown.
     *
     * @param timeoutMillis the longest wait
     */
    void drain(long timeoutMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!queue.isEmpty() && System.nanoTime() < end) {
            List<byte[]> batch = new ArrayList<>(batchSize);
            queue.drainTo(batch, batchSize);
            CompletableResultCode result;
            try {
                result = exporter.apply(batch);
            } catch (RuntimeException e) {
                result = CompletableResultCode.ofExceptionalFailure(e);
            }
            result.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())), TimeUnit.MILLISECONDS);
            if (result.isSuccess()) {
                exported.addAndGet(batch.size());
            } else {
                failed.addAndGet(batch.size());
                break;
            }
        }
        dropped.addAndGet(queue.size());
        queue.clear();
    }

    long dropped() {
        return dropped.get();
    }

    long failed() {
        return failed.get();
    }

    long exported() {
        return exported.get();
    }

    int queued() {
        return queue.size();
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    /** @return the cause of the latest failed request, cleared; null when none failed since the last call */
    Throwable takeFailure() {
        return lastFailure.getAndSet(null);
    }
}
