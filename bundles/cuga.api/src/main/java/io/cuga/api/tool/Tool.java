package io.cuga.api.tool;

import java.util.regex.Pattern;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A tool that agents and callers may invoke through the orchestrator.
 *
 * <p>Register an implementation as an OSGi service and describe it with {@link ToolService}; never type the
 * service property names below by hand. The orchestrator guarantees:
 * <ul>
 * <li>{@link #invoke(ToolCall)} is only called for a tool visible under the caller's policy, with arguments
 * that passed the tool's JSON schema (unknown fields rejected unless the schema allows them);</li>
 * <li>every call runs on a bounded pool with a deadline ({@link ToolCall#deadline()}); when it passes, or when
 * the tool's bundle goes away, the calling thread is interrupted and the caller gets an error: a tool that
 * loops should check {@link ToolCall#cancelled()} or honour interrupts;</li>
 * <li>a call keeps the policy snapshot it started with, even if policy is reloaded while it runs.</li>
 * </ul>
 * A tool must not start threads of its own, block without bound, or keep state that leaks between profiles
 * or sessions. It returns JSON-compatible values: {@code null}, {@link Boolean}, {@link Number},
 * {@link String}, {@link java.util.List} and {@link java.util.Map} with string keys, nested freely.
 */
@ConsumerType
public interface Tool {

    /** Service property: the tool's unique name, matching {@link #NAME_PATTERN}. Required. */
    String NAME = "cuga.tool.name";

    /** Service property: one or two sentences for people and language models. */
    String DESCRIPTION = "cuga.tool.description";

    /** Service property: the {@link RiskTier} name. Defaults to {@code READ} when absent. */
    String RISK = "cuga.tool.risk";

    /**
     * Service property: the JSON Schema (2020-12) of the arguments object, either inline JSON or the path of a
     * resource in the tool's bundle (for example {@code /schemas/calculator.json}). Without one the tool takes
     * no arguments.
     */
    String SCHEMA = "cuga.tool.schema";

    /**
     * Service property: names of the arguments that are outbound network targets (URLs or host names). The
     * egress guardrail checks these before dispatch.
     */
    String OUTBOUND = "cuga.tool.outbound";

    /** Service property: per-tool timeout in milliseconds; 0 or absent means the server's default. */
    String TIMEOUT_MILLIS = "cuga.tool.timeout.millis";

    /** The rule every tool name must satisfy, so names pass unchanged to LLM function calling and MCP. */
    Pattern NAME_PATTERN = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    /**
     * Runs one call.
     *
     * @param call the validated arguments and the context of the call
     * @return a JSON-compatible result
     * @throws ToolException for an error the caller should see (its message is shown as is)
     * @throws Exception anything else is reported as a tool failure naming the tool, never with a stack trace
     */
    Object invoke(ToolCall call) throws Exception;
}
