package io.cuga.orchestrator.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.guardrail.Redactor;
import io.cuga.api.policy.Policy;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditRecord;

/**
 * What the audit trail learns of one call: the attempt (the guardrails' decisions, before the tool runs) and
 * the outcome (before the caller is answered). The arguments themselves are never recorded, only the digest of
 * their redacted form, so the trail holds no secret and can still prove which arguments a call had.
 */
final class CallAudit {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
        .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final HexFormat HEX = HexFormat.of();

    final CallRequest request;
    final String callId;
    final String traceId;
    final long startNanos = System.nanoTime();
    final Instant startedAt = Instant.now();
    /** The chain's result, once it ran; null for calls refused before it (unknown tool, bad arguments). */
    volatile GuardrailChain.Result chain;
    /** The tool's risk tier, once the tool is known. */
    volatile String risk = "";
    /** The symbolic name and version of the tool's bundle, once the tool is known. */
    volatile String bundle = "";
    volatile String bundleVersion = "";
    /** True once the attempt record is durable. */
    volatile boolean attemptRecorded;
    /** The approval the call waits for, when the policy sent it to a human. */
    volatile Approval approval;
    /** What watches that approval; started once the request is durable. */
    volatile ApprovalDesk.Waiter waiter;

    CallAudit(CallRequest request, String callId, String traceId) {
        this.request = request;
        this.callId = callId;
        this.traceId = traceId;
    }

    /**
     * @param decision the chain's decision (or the registry's, for a call refused before the chain)
     * @return the attempt record
     */
    AuditRecord attempt(Decision decision) {
        GuardrailChain.Result result = chain;
        Policy policy = result == null ? null : result.policy;
        List<Map<String, Object>> decisions = new ArrayList<>();
        if (result != null) {
            for (Decision d : result.decisions) {
                decisions.add(decisionMap(d));
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        if (policy != null) {
            data.put("policyVersion", policy.version());
        }
        if (!risk.isEmpty()) {
            data.put("risk", risk);
        }
        if (!decision.rule().isEmpty()) {
            data.put("rule", decision.rule());
        }
        if (!decision.guardrail().isEmpty()) {
            data.put("guardrail", decision.guardrail());
        }
        return new AuditRecord(0, DispatcherImpl.Ids.callId(), startedAt, AuditRecord.ATTEMPT, traceId, callId,
            request.profile(), request.session(), request.caller(), request.tool(), digest(policy),
            decisions, decision.verdict().name(), decision.reason(), "", 0, "", data, "", "");
    }

    /**
     * @param outcome how the call ended
     * @return the outcome record
     */
    AuditRecord outcome(CallOutcome outcome) {
        Decision decision = outcome.decision();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("httpStatus", outcome.status().httpStatus());
        if (!decision.guardrail().isEmpty()) {
            data.put("guardrail", decision.guardrail());
        }
        if (!decision.rule().isEmpty()) {
            data.put("rule", decision.rule());
        }
        String reason = outcome.message() == null ? decision.reason() : outcome.message();
        return new AuditRecord(0, DispatcherImpl.Ids.callId(), Instant.now(), AuditRecord.OUTCOME, traceId, callId,
            request.profile(), request.session(), request.caller(), request.tool(), "", List.of(),
            decision.verdict().name(), reason, outcome.status().name(), outcome.durationNanos() / 1000,
            outcome.errorCode(), data, "", "");
    }

    /**
     * @param policy the policy the call runs under, or null
     * @return the arguments as the policy's redaction rules show them (as they are when it has none)
     */
    Object redacted(Policy policy) {
        return redacted(policy, request.arguments());
    }

    /**
     * @param policy the policy the call runs under, or null
     * @param value arguments or a result
     * @return the value as the policy's redaction rules show it (as it is when it has none)
     */
    static Object redacted(Policy policy, Object value) {
        Object shown = value;
        if (policy != null) {
            Guardrail.Rules rules = policy.rules("redaction");
            if (rules instanceof Redactor) {
                shown = ((Redactor) rules).redact(shown);
            }
        }
        return shown;
    }

    private static Map<String, Object> decisionMap(Decision d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guardrail", d.guardrail());
        m.put("verdict", d.verdict().name());
        m.put("rule", d.rule());
        m.put("reason", d.reason());
        return m;
    }

    /**
     * @param policy the policy the call ran under, or null
     * @return {@code sha256:<hex>} of the canonical JSON (keys sorted) of the arguments as the policy's
     *     redaction rules show them; without redaction rules, of the arguments as they are
     */
    String digest(Policy policy) {
        Object shown;
        try {
            shown = redacted(policy);
        } catch (RuntimeException e) {
            return "";
        }
        try {
            byte[] json = CANONICAL.writeValueAsString(shown).getBytes(StandardCharsets.UTF_8);
            return "sha256:" + HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            return "";
        }
    }
}
