package io.cuga.api.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A call waiting for (or decided by) a human.
 *
 * @param id the approval's id (random, URL-safe)
 * @param status where it stands
 * @param createdAt when it was requested
 * @param expiresAt when a pending approval expires (= denied)
 * @param callId the waiting call's id
 * @param traceId the waiting call's trace id
 * @param profile the call's profile
 * @param session the call's session, empty when none
 * @param requester who made the call
 * @param tool the tool
 * @param risk the tool's risk tier
 * @param arguments the call's arguments, redacted: never the secrets themselves
 * @param requiredBecause why approval is required (the approval guardrail's reason)
 * @param decidedBy who approved or rejected, empty while pending or when expired
 * @param decidedAt when it was decided or expired, null while pending
 * @param decisionReason the approver's reason, empty while pending
 * @param outcome how the call ended after the decision (JSON-compatible: {@code status}, {@code result} or
 *     {@code error}), empty until it has
 */
public record Approval(String id, Status status, Instant createdAt, Instant expiresAt, String callId,
    String traceId, String profile, String session, String requester, String tool, String risk,
    Map<String, Object> arguments, String requiredBecause, String decidedBy, Instant decidedAt,
    String decisionReason, Map<String, Object> outcome) {

    /** Checks and normalises the fields. */
    public Approval {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        callId = callId == null ? "" : callId;
        traceId = traceId == null ? "" : traceId;
        profile = profile == null ? "" : profile;
        session = session == null ? "" : session;
        requester = requester == null ? "" : requester;
        tool = tool == null ? "" : tool;
        risk = risk == null ? "" : risk;
        arguments = arguments == null ? Map.of() : arguments;
        requiredBecause = requiredBecause == null ? "" : requiredBecause;
        decidedBy = decidedBy == null ? "" : decidedBy;
        decisionReason = decisionReason == null ? "" : decisionReason;
        outcome = outcome == null ? Map.of() : outcome;
    }

    /** Where an approval stands. Only {@link #PENDING} ever changes, and only once. */
    public enum Status {
        /** Waiting for a human. */
        PENDING,
        /** Approved: the call proceeds. */
        APPROVED,
        /** Rejected: the call is denied. */
        REJECTED,
        /** Nobody decided in time: the call is denied. */
        EXPIRED;

        /** @return true for every status but {@link #PENDING} */
        public boolean decided() {
            return this != PENDING;
        }
    }
}
