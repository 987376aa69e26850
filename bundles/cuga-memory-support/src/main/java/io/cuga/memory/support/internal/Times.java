package io.cuga.memory.support.internal;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Creation times are kept to the microsecond (what both databases store), as microseconds since the epoch. */
public final class Times {

    private Times() {
    }

    /**
     * @param t a time
     * @return microseconds since the epoch
     */
    public static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /**
     * @param micros microseconds since the epoch
     * @return the time
     */
    public static Instant ofMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    /**
     * @param t a time
     * @return it, cut to the microsecond
     */
    public static Instant truncate(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }
}
