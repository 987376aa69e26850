package io.cuga.guardrail.ratelimit.internal;

import java.util.Locale;

import io.cuga.api.guardrail.GuardedCall;

/**
 * One rule of a policy's ratelimit section.
 *
 * @param index its place in the {@code rules} list
 * @param tool the tool name glob
 * @param scope what one bucket counts
 * @param perSecond the refill rate
 * @param burst the bucket size
 */
record RateRule(int index, String tool, Scope scope, double perSecond, long burst) {

    /** What one bucket of a rule counts. */
    enum Scope {
        /** All calls of the profile. */
        PROFILE,
        /** The calls of one session (calls without a session share one bucket). */
        SESSION,
        /** The calls of one caller. */
        CALLER;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        String value(GuardedCall call) {
            return switch (this) {
                case PROFILE -> "";
                case SESSION -> call.session();
                case CALLER -> call.caller();
            };
        }
    }

    /** @return what identifies the rule's buckets across recompiles: everything but its place in the list */
    String identity() {
        return tool + '\u0000' + scope.key() + '\u0000' + perSecond + '\u0000' + burst;
    }

    /** @return the rate as people write it */
    String rate() {
        return (perSecond == Math.rint(perSecond) ? String.valueOf((long) perSecond) : String.valueOf(perSecond)) + "/s";
    }
}
