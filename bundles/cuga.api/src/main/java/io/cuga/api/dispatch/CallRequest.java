package io.cuga.api.dispatch;

import java.util.Map;
import java.util.Objects;

/**
 * A request to call a tool.
 *
 * @param tool the tool name
 * @param arguments the arguments object (JSON-compatible values)
 * @param caller the authenticated principal
 * @param profile the policy profile to run under
 * @param session the session id, or an empty string
 * @param traceId the W3C trace id (32 hex digits), or an empty string to have one made
 * @param parentSpanId the caller's span id from its W3C {@code traceparent} (16 hex digits), or an empty string
 *     when the call starts its trace here; the call's {@code execute_tool} span is its child
 * @param sampled the sampled flag of that parent (bit 0 of the {@code traceparent}'s trace flags; since 1.3):
 *     false when the caller does not record this trace, so a parent-based sampler records none of the call's
 *     spans either; true when there is no parent
 */
public record CallRequest(String tool, Map<String, Object> arguments, String caller, String profile,
    String session, String traceId, String parentSpanId, boolean sampled) {

    /** Checks and normalises the fields. */
    public CallRequest {
        Objects.requireNonNull(tool, "tool");
        arguments = arguments == null ? Map.of() : arguments;
        caller = caller == null ? "" : caller;
        profile = profile == null || profile.isEmpty() ? "default" : profile;
        session = session == null ? "" : session;
        traceId = traceId == null ? "" : traceId;
        parentSpanId = parentSpanId == null ? "" : parentSpanId;
        sampled = sampled || parentSpanId.isEmpty();
    }

    /**
     * A request whose parent, if any, is sampled (the signature before {@link #sampled()} existed).
     *
     * @param tool the tool name
     * @param arguments the arguments object (JSON-compatible values)
     * @param caller the authenticated principal
     * @param profile the policy profile to run under
     * @param session the session id, or an empty string
     * @param traceId the W3C trace id (32 hex digits), or an empty string to have one made
     * @param parentSpanId the caller's span id, or an empty string
     */
    public CallRequest(String tool, Map<String, Object> arguments, String caller, String profile, String session,
        String traceId, String parentSpanId) {
        this(tool, arguments, caller, profile, session, traceId, parentSpanId, true);
    }

    /**
     * A request without a parent span (the signature before {@link #parentSpanId()} existed).
     *
     * @param tool the tool name
     * @param arguments the arguments object (JSON-compatible values)
     * @param caller the authenticated principal
     * @param profile the policy profile to run under
     * @param session the session id, or an empty string
     * @param traceId the W3C trace id (32 hex digits), or an empty string to have one made
     */
    public CallRequest(String tool, Map<String, Object> arguments, String caller, String profile, String session,
        String traceId) {
        this(tool, arguments, caller, profile, session, traceId, "", true);
    }
}
