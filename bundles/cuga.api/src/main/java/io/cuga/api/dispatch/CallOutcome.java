package io.cuga.api.dispatch;

import java.util.Map;
import java.util.Objects;

import io.cuga.api.decision.Decision;

/**
 * How a call ended.
 *
 * @param status the kind of ending
 * @param tool the tool name as requested
 * @param callId the call's id (also in the audit trail)
 * @param traceId the call's trace id
 * @param result the tool's JSON-compatible result when {@code status} is {@link Status#OK}, else null
 * @param errorCode a machine-readable error code, null on success
 * @param message a human-readable message, safe to show to the caller, null on success
 * @param details structured details of an error (for example the failing field), never null
 * @param decision the policy decision the call ran under
 * @param durationNanos time from dispatch to outcome
 */
public record CallOutcome(Status status, String tool, String callId, String traceId, Object result,
    String errorCode, String message, Map<String, Object> details, Decision decision, long durationNanos) {

    /**
     * Detail key of an {@link Status#APPROVAL_REQUIRED} outcome: the id of the approval the call waits for (see
     * {@link Approvals}); the details also carry {@code expiresAt} (ISO-8601).
     */
    public static final String APPROVAL_ID = "approvalId";

    /** Checks and normalises the fields. */
    public CallOutcome {
        Objects.requireNonNull(status, "status");
        details = details == null ? Map.of() : details;
    }

    /** @return true when the tool ran and returned a result */
    public boolean ok() {
        return status == Status.OK;
    }

    /** The kinds of ending, each with the HTTP status the API maps it to. */
    public enum Status {
        /** The tool returned a result. */
        OK(200),
        /** Policy needs a human to approve the call first. */
        APPROVAL_REQUIRED(202),
        /** A tool reported an error with the input or the outside world. */
        TOOL_ERROR(400),
        /** Policy denied the call. */
        DENIED(403),
        /** No tool of that name is visible to the caller. */
        NOT_FOUND(404),
        /** The arguments do not match the tool's schema. */
        INVALID_ARGUMENTS(422),
        /** A budget or rate limit refused the call. */
        LIMITED(429),
        /** The tool failed unexpectedly. */
        TOOL_FAILED(500),
        /** The tool went away (bundle stopped or removed) before or during the call. */
        UNAVAILABLE(503),
        /** The tool's bulkhead or the dispatcher's pool is full. */
        OVERLOADED(503),
        /** The tool did not finish before its deadline. */
        TIMEOUT(504);

        private final int httpStatus;

        Status(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /** @return the HTTP status code this outcome maps to */
        public int httpStatus() {
            return httpStatus;
        }
    }
}
