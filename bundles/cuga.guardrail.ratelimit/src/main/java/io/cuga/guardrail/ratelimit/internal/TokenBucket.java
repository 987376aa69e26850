package io.cuga.guardrail.ratelimit.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A lock-free token bucket: {@code burst} tokens at most, refilled at {@code perSecond}. Its state is one
 * immutable value swapped by compare-and-set. A bucket the store evicts is marked dead first (only while
 * full, so forgetting it loses nothing); a taker that finds it dead looks the key up again.
 */
final class TokenBucket {

    /** What {@link #take(long)} and {@link #peek(long)} answer when a token is there. */
    static final double GRANTED = 0;

    /** What {@link #take(long)} answers when the bucket was evicted: look it up again. */
    static final double DEAD = -1;

    private record State(double tokens, long nanos, boolean dead) {
    }

    private final double perNano;
    private final double burst;
    private final AtomicReference<State> state;

    TokenBucket(double perSecond, long burst, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.state = new AtomicReference<>(new State(burst, now, false));
    }

    private double tokensAt(State s, long now) {
        long elapsed = Math.max(0, now - s.nanos);
        return Math.min(burst, s.tokens + elapsed * perNano);
    }

    /**
     * Takes a token.
     *
     * @param now the clock, in nanoseconds
     * @return {@link #GRANTED}, {@link #DEAD}, or the seconds until a token will be there (positive)
     */
    double take(long now) {
        while (true) {
            State s = state.get();
            if (s.dead) {
                return DEAD;
            }
            double tokens = tokensAt(s, now);
            if (tokens < 1) {
                return secondsUntilOne(tokens);
            }
            if (state.compareAndSet(s, new State(tokens - 1, Math.max(now, s.nanos), false))) {
                return GRANTED;
            }
        }
    }

    /** @return like {@link #take(long)}, but takes nothing (a dry run); a dead bucket reads as full */
    double peek(long now) {
        State s = state.get();
        if (s.dead) {
            return GRANTED;
        }
        double tokens = tokensAt(s, now);
        return tokens >= 1 ? GRANTED : secondsUntilOne(tokens);
    }

    /** Gives back a token taken for a call that another rule then refused. */
    void refund() {
        while (true) {
            State s = state.get();
            if (s.dead || state.compareAndSet(s, new State(Math.min(burst, s.tokens + 1), s.nanos, false))) {
                return;
            }
        }
    }

    /**
     * Marks the bucket dead when it is full at {@code now}: it then holds nothing a fresh bucket would not.
     *
     * @return true when it is dead now
     */
    boolean retireIfFull(long now) {
        while (true) {
            State s = state.get();
            if (s.dead) {
                return true;
            }
            if (tokensAt(s, now) < burst) {
                return false;
            }
            if (state.compareAndSet(s, new State(burst, s.nanos, true))) {
                return true;
            }
        }
    }

    /** @return the tokens there at {@code now} (for tests and diagnostics) */
    double tokens(long now) {
        return tokensAt(state.get(), now);
    }

    private double secondsUntilOne(double tokens) {
        return (1 - tokens) / (perNano * 1e9);
    }
}
