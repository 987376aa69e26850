package io.cuga.guardrail.budget.internal;

import java.util.Locale;

import io.cuga.api.guardrail.GuardedCall;

/**
 * One compiled limit of a policy's budget section. Amounts in {@link Units}.
 *
 * @param index its place in the {@code limits} list
 * @param kind what it counts
 * @param scope per what
 * @param ceiling the ceiling; at the ceiling the budget is exhausted
 * @param warnRatio the share of the ceiling from which calls carry a warning
 * @param warnAt {@code warnRatio * ceiling}, rounded up
 * @param warnMode true for {@code on_exceed: warn}
 * @param escalation warn mode: the exceedances after which calls are blocked, 0 for never
 * @param estimate what a call reserves before it runs (one call for {@code calls})
 */
record Limit(int index, Kind kind, Scope scope, long ceiling, double warnRatio, long warnAt, boolean warnMode,
    long escalation, long estimate) {

    /** What a limit counts. */
    enum Kind {
        /** Calls that ran. */
        CALLS,
        /** Money, as the call reports it in its outcome's {@code cost} detail. */
        COST,
        /** Model tokens, as the call reports them in its outcome's {@code tokens} detail. */
        TOKENS;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Per what a limit counts. */
    enum Scope {
        /** All calls of the profile. */
        PROFILE,
        /** The calls of one session; the calls without a session share one budget. */
        SESSION,
        /** The calls of one task: an agent task runs under one trace, so the task is the call's trace id. */
        TASK;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        String value(GuardedCall call) {
            return switch (this) {
                case PROFILE -> "";
                case SESSION -> call.session();
                case TASK -> call.traceId();
            };
        }
    }

    /** @return how many calls may pass over the ceiling: none in block mode, unbounded for warn without escalation */
    long allowedExceedances() {
        if (!warnMode) {
            return 0;
        }
        return escalation == 0 ? Long.MAX_VALUE : escalation;
    }

    /** @return the rule name in decisions, for example {@code calls/session} */
    String rule() {
        return kind.key() + "/" + scope.key();
    }

    String onExceed() {
        return warnMode ? "warn" : "block";
    }
}
