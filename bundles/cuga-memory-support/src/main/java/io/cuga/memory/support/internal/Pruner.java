package io.cuga.memory.support.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a backend's age prune every {@code prune.interval.seconds} on one daemon thread, stopped with the
 * component. A failing prune is logged (one line, no stack trace) and tried again at the next interval.
 */
public final class Pruner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    private final ScheduledExecutorService executor;

    private Pruner(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /**
     * @param backend the backend's name (thread name, log)
     * @param interval how often; zero starts nothing
     * @param prune the prune, returning how many entries it deleted
     * @return the running pruner
     */
    public static Pruner start(String backend, Duration interval, IntSupplier prune) {
        if (interval.isZero()) {
            return new Pruner(null);
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-memory-" + backend + "-prune");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        executor.scheduleWithFixedDelay(() -> {
            try {
                int deleted = prune.getAsInt();
                if (deleted > 0) {
                    LOG.info("Memory ({}): pruned {} entries past their maximum age", backend, deleted);
                }
            } catch (RuntimeException e) {
                LOG.warn("Memory ({}): the periodic prune failed, trying again in {} s: {}", backend,
                    interval.toSeconds(), e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        return new Pruner(executor);
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
