package io.cuga.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One record of the audit trail. Records are appended, never changed, and hash-chained: {@link #hash} is the
 * SHA-256 of {@link #prevHash} and the record's canonical content, so changing, removing or reordering a
 * record breaks the chain ({@link AuditTrail#verify()}).
 *
 * <p>Every tool call leaves an {@link #ATTEMPT} record, written before the tool runs (or together with the
 * outcome when the call never ran), and an {@link #OUTCOME} record, written before the caller is answered.
 * Other kinds record decisions made around calls: approvals, policy activations, the agents' routing and
 * planning decisions.
 *
 * @param seq the position in the trail, from 1, assigned by the store on append (0 before)
 * @param id the record's unique id (random, assigned by the writer)
 * @param time when the recorded thing happened
 * @param kind what the record is, such as {@link #ATTEMPT}, {@link #OUTCOME}, {@link #APPROVAL},
 *     {@link #POLICY}, {@link #AGENT}
 * @param traceId the W3C trace id, empty when none
 * @param callId the tool call's id, empty for records not about one call
 * @param profile the policy profile, empty when none
 * @param session the session, empty when none
 * @param caller the authenticated principal, empty when none
 * @param tool the tool's name, empty when none
 * @param argumentsDigest {@code sha256:<hex>} of the redacted arguments' canonical JSON, empty when none
 * @param decisions the decision of each guardrail that decided, in chain order: maps with {@code guardrail},
 *     {@code verdict}, {@code rule}, {@code reason}
 * @param decision the final verdict ({@code ALLOW}, {@code WARN}, {@code REQUIRE_APPROVAL}, {@code DENY}),
 *     empty when the record is not about a decision
 * @param reason the final decision's reason, or what happened, for people
 * @param outcome how the call ended ({@code OK}, {@code DENIED}, ...), empty on an attempt
 * @param durationMicros time from dispatch to outcome, 0 on an attempt
 * @param errorType the machine-readable error code, empty when none
 * @param data further JSON-compatible facts of the record (policy version, approval id, routing
 *     alternatives and confidence, ...), never null
 * @param prevHash the hash of the record before it ({@code sha256:} and 64 zeros for the first), assigned by
 *     the store on append (empty before)
 * @param hash this record's hash, assigned by the store on append (empty before)
 */
public record AuditRecord(long seq, String id, Instant time, String kind, String traceId, String callId,
    String profile, String session, String caller, String tool, String argumentsDigest,
    List<Map<String, Object>> decisions, String decision, String reason, String outcome, long durationMicros,
    String errorType, Map<String, Object> data, String prevHash, String hash) {

    /** Kind: a tool call about to run (or refused), with the guardrails' decisions. */
    public static final String ATTEMPT = "call.attempt";
    /** Kind: how a tool call ended. */
    public static final String OUTCOME = "call.outcome";
    /** Kind: an approval requested, decided or expired. */
    public static final String APPROVAL = "approval";
    /** Kind: a policy document activated, refused or rolled back. */
    public static final String POLICY = "policy";
    /** Kind: an agent's routing or planning decision (stage, target, reason, alternatives, confidence). */
    public static final String AGENT = "agent.decision";

    /** Checks and normalises the fields: null strings become empty, collections are copied. */
    public AuditRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(kind, "kind");
        traceId = traceId == null ? "" : traceId;
        callId = callId == null ? "" : callId;
        profile = profile == null ? "" : profile;
        session = session == null ? "" : session;
        caller = caller == null ? "" : caller;
        tool = tool == null ? "" : tool;
        argumentsDigest = argumentsDigest == null ? "" : argumentsDigest;
        decisions = decisions == null ? List.of() : List.copyOf(decisions);
        decision = decision == null ? "" : decision;
        reason = reason == null ? "" : reason;
        outcome = outcome == null ? "" : outcome;
        errorType = errorType == null ? "" : errorType;
        data = data == null ? Map.of() : Map.copyOf(data);
        prevHash = prevHash == null ? "" : prevHash;
        hash = hash == null ? "" : hash;
    }

    /**
     * @param seq the assigned position
     * @param prevHash the previous record's hash
     * @param hash this record's hash
     * @return this record as appended
     */
    public AuditRecord appended(long seq, String prevHash, String hash) {
        return new AuditRecord(seq, id, time, kind, traceId, callId, profile, session, caller, tool,
            argumentsDigest, decisions, decision, reason, outcome, durationMicros, errorType, data, prevHash, hash);
    }
}
