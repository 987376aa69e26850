package io.cuga.memory.support.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * How much a backend keeps.
 *
 * @param maxEntriesPerScope the newest this many entries of a scope (profile + session) are kept, at least 1
 * @param maxAge entries older than this are never returned and are deleted by the next prune; zero keeps them
 * @param pruneInterval how often the periodic prune runs; zero never (prune on demand only)
 */
public record Retention(int maxEntriesPerScope, Duration maxAge, Duration pruneInterval) {

    /** Checks the fields. */
    public Retention {
        if (maxEntriesPerScope < 1) {
            throw new IllegalArgumentException("max.entries.per.scope must be at least 1, not " + maxEntriesPerScope);
        }
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("max.age.days must not be negative");
        }
        if (pruneInterval.isNegative()) {
            throw new IllegalArgumentException("prune.interval.seconds must not be negative");
        }
    }

    /**
     * From the configuration's units.
     *
     * @param maxEntriesPerScope max.entries.per.scope
     * @param maxAgeDays max.age.days (0 = no age limit)
     * @param pruneIntervalSeconds prune.interval.seconds (0 = no periodic prune)
     * @return the settings
     */
    public static Retention of(int maxEntriesPerScope, int maxAgeDays, long pruneIntervalSeconds) {
        return new Retention(maxEntriesPerScope, Duration.ofDays(Math.max(0, maxAgeDays)),
            Duration.ofSeconds(Math.max(0, pruneIntervalSeconds)));
    }

    /**
     * @param now the current time
     * @return the oldest creation time still kept, {@link Instant#MIN} when there is no age limit
     */
    public Instant cutoff(Instant now) {
        return maxAge.isZero() ? Instant.MIN : now.minus(maxAge);
    }

    /**
     * @param now the current time
     * @return {@link #cutoff} in microseconds since the epoch ({@link Long#MIN_VALUE} when there is no limit)
     */
    public long cutoffMicros(Instant now) {
        return maxAge.isZero() ? Long.MIN_VALUE : Times.micros(cutoff(now));
    }
}
