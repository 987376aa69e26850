package io.cuga.agents.internal;

import io.cuga.api.dispatch.CallOutcome;

/**
 * The failure taxonomy: what kind of failure a call's outcome is, and whether trying again can help. Policy
 * (denied, over a budget or rate limit) and user failures (invalid arguments, unknown tool, a tool's own
 * "bad input" error) are never retried: the same call would fail the same way. Resource failures (the tool went
 * away, the pool is full) and tool failures (a timeout, an unexpected error) are retried within the retry policy.
 */
enum Failures {
    /** Policy said no: denied, budget or rate limit. */
    POLICY(false),
    /** The caller's input is wrong: invalid arguments, unknown tool, the tool rejected the input. */
    USER(false),
    /** Capacity or availability: the tool is unavailable (503) or overloaded (503). */
    RESOURCE(true),
    /** The tool itself: timed out (504) or failed unexpectedly (500). */
    TOOL(true),
    /**
     * The language model (a {@code model_*} error of the model tool): retried only when the model SPI calls its
     * kind retryable (timeout, rate limited, unavailable), never for a bad request or an unreadable answer.
     */
    MODEL(true);

    private final boolean retryable;

    Failures(boolean retryable) {
        this.retryable = retryable;
    }

    /** @return whether a retry may succeed */
    boolean retryable() {
        return retryable;
    }

    /** @return the lower-case name used in step errors */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param outcome a failed call's outcome
     * @return its kind: a model tool's {@code model_*} error is a model failure, else by its status
     */
    static Failures of(CallOutcome outcome) {
        if (outcome.status() == CallOutcome.Status.TOOL_ERROR && outcome.errorCode() != null
            && outcome.errorCode().startsWith(ModelChatTool.ERROR_PREFIX)) {
            return MODEL;
        }
        return of(outcome.status());
    }

    /** @return whether trying the call of this failed outcome again may help */
    static boolean retryable(CallOutcome outcome) {
        Failures kind = of(outcome);
        return kind == MODEL ? ModelChatTool.retryable(outcome.errorCode()) : kind.retryable();
    }

    /**
     * @param status a failed call's status (not OK, not APPROVAL_REQUIRED)
     * @return its kind
     */
    static Failures of(CallOutcome.Status status) {
        return switch (status) {
            case DENIED, LIMITED -> POLICY;
            case INVALID_ARGUMENTS, NOT_FOUND, TOOL_ERROR -> USER;
            case UNAVAILABLE, OVERLOADED -> RESOURCE;
            case TIMEOUT, TOOL_FAILED -> TOOL;
            case OK, APPROVAL_REQUIRED -> throw new IllegalArgumentException(status + " is not a failure");
        };
    }
}
