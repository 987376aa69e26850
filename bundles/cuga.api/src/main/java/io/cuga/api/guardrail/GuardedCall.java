package io.cuga.api.guardrail;

import java.time.Instant;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

import io.cuga.api.tool.ToolDescriptor;

/** A call as the guardrails see it, before it runs. */
@ProviderType
public interface GuardedCall {

    /** @return the tool's descriptor (name, risk tier, outbound arguments, schema, bundle) */
    ToolDescriptor tool();

    /** @return the arguments, unmodifiable */
    Map<String, Object> arguments();

    /** @return the profile the call runs under */
    String profile();

    /** @return the session, or an empty string */
    String session();

    /** @return the authenticated caller */
    String caller();

    /** @return the call's id */
    String callId();

    /** @return the call's trace id */
    String traceId();

    /** @return when the call started */
    Instant startedAt();

    /** @return true for an evaluation that executes nothing and charges nothing */
    boolean dryRun();
}
