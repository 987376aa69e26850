package io.cuga.api.tool;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** One invocation of a tool, as the orchestrator hands it to {@link Tool#invoke(ToolCall)}. */
@ProviderType
public interface ToolCall {

    /** @return the tool's name */
    String tool();

    /** @return the arguments, validated against the tool's schema; unmodifiable */
    Map<String, Object> arguments();

    /** @return a unique id of this call, also in the audit trail */
    String callId();

    /** @return the W3C trace id of the call (32 hex digits) */
    String traceId();

    /** @return the policy profile the call runs under */
    String profile();

    /** @return the caller's session, or an empty string */
    String session();

    /** @return who called: the token's principal name */
    String caller();

    /** @return when the orchestrator gives up on this call */
    Instant deadline();

    /** @return true once the call timed out or its tool was withdrawn; a long-running tool stops then */
    boolean cancelled();

    /**
     * Reports what this call consumed, so budgets count it: a tool that calls a language model reports the
     * tokens the model said it used (and a cost when it knows one). The dispatcher adds up every report of the
     * call and puts the sums into the details of its {@code OK} outcome: {@code tokens} (input + output),
     * {@code inputTokens}, {@code outputTokens} and, when a cost was reported, {@code cost}; the budget guardrail
     * settles {@code tokens} and {@code cost} limits from them. Negative values are ignored.
     *
     * @param inputTokens prompt tokens, 0 when none
     * @param outputTokens completion tokens, 0 when none
     * @param cost what the call cost in the policy's currency, or null when unknown
     */
    default void reportUsage(long inputTokens, long outputTokens, BigDecimal cost) {
        // a ToolCall that does not count usage ignores it
    }
}
