package io.cuga.guardrail.ratelimit.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The token buckets of one guardrail instance, shared by every policy it compiles, keyed by rule identity,
 * profile and scope value: a recompiled policy whose rule did not change keeps its buckets.
 *
 * <p>Memory stays bounded without a thread of its own: every {@link #SWEEP_EVERY} new buckets, the thread
 * that creates one sweeps the map and drops the buckets that are full again (a full bucket is exactly what a
 * new one would be, so dropping it changes no decision). What remains is the keys used within their rule's
 * refill time ({@code burst / per_second}).
 */
final class BucketStore {

    static final int SWEEP_EVERY = 1024;

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final AtomicLong created = new AtomicLong();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    BucketStore(LongSupplier clock) {
        this.clock = clock;
    }

    long now() {
        return clock.getAsLong();
    }

    /** @return the bucket of {@code key}, made full when absent */
    TokenBucket bucket(String key, double perSecond, long burst, long now) {
        TokenBucket b = buckets.get(key);
        if (b != null) {
            return b;
        }
        // a new key: every SWEEP_EVERY of them, sweep first (so the new bucket is not swept before its first use)
        if (created.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(now);
        }
        return buckets.computeIfAbsent(key, k -> new TokenBucket(perSecond, burst, now));
    }

    /** @return the bucket of {@code key}, or null when there is none (a dry run makes none) */
    TokenBucket existing(String key) {
        return buckets.get(key);
    }

    /** Drops a dead bucket so the next lookup makes a new one. */
    void forget(String key, TokenBucket dead) {
        buckets.remove(key, dead);
    }

    /** Drops the buckets that are full at {@code now}. One sweep at a time; others skip. */
    void sweep(long now) {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            buckets.entrySet().removeIf(e -> e.getValue().retireIfFull(now));
        } finally {
            sweeping.set(false);
        }
    }

    int size() {
        return buckets.size();
    }
}
