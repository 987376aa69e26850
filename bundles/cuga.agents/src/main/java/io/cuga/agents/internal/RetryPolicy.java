package io.cuga.agents.internal;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How often and how long apart a step's retryable failure is tried again.
 *
 * @param kind none, linear (base × attempt) or exponential (base × 2^(attempt−1)), each capped at {@code maxMillis}
 * @param maxAttempts the most calls of one step, the first included (1 to 10)
 * @param baseMillis the first delay
 * @param maxMillis the longest delay
 * @param jitter the fraction of the delay randomised away (0 to 1): the delay is drawn from
 *     [delay × (1 − jitter), delay]
 */
record RetryPolicy(Kind kind, int maxAttempts, long baseMillis, long maxMillis, double jitter) {

    /** The kinds of policy. */
    enum Kind {
        /** One call, never again. */
        NONE,
        /** The delay grows by the base each time. */
        LINEAR,
        /** The delay doubles each time. */
        EXPONENTIAL;

        static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("retry policy '" + s + "' is not one of none, linear, exponential");
            }
        }
    }

    /** Checks and bounds the values. */
    RetryPolicy {
        maxAttempts = kind == Kind.NONE ? 1 : Math.max(1, Math.min(10, maxAttempts));
        baseMillis = Math.max(0, baseMillis);
        maxMillis = Math.max(baseMillis, maxMillis);
        jitter = Math.max(0, Math.min(1, jitter));
    }

    /**
     * @param attempt the attempt that just failed, from 1
     * @return whether another attempt is allowed
     */
    boolean allowsAnother(int attempt) {
        return attempt < maxAttempts;
    }

    /**
     * @param attempt the attempt that just failed, from 1
     * @param random the source of jitter
     * @return how long to wait before the next attempt
     */
    long delayMillis(int attempt, RandomGenerator random) {
        long delay = switch (kind) {
            case NONE -> 0;
            case LINEAR -> baseMillis * attempt;
            case EXPONENTIAL -> attempt >= 40 ? maxMillis : baseMillis * (1L << (attempt - 1));
        };
        delay = Math.min(delay, maxMillis);
        if (jitter > 0 && delay > 0) {
            delay -= (long) (delay * jitter * random.nextDouble());
        }
        return delay;
    }
}
