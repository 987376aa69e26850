package io.cuga.api.tool;

import java.util.regex.Pattern;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A tool that agents and callers may invoke through the orchestrator.
 *
 * <p>What to implement: this one method, in a Declarative Services component registered as
 * {@code @Component(service = Tool.class)} and described by {@link ToolService}; never type the service property
 * names below by hand. The component's configuration properties override the {@code @ToolService} ones, so a
 * factory configuration can give each of its instances its own {@value #NAME}. The orchestrator fails closed:
 * <ul>
 * <li>a tool is hidden from every caller until the allowlist names both the tool and its bundle;</li>
 * <li>a registration with an invalid name, a schema that does not compile or a name another tool already has is
 * refused, never served half-described; the reason is logged and reported by the diagnostics route
 * ({@code GET /api/v1/tools/diagnostics}), as is a bundle that does not resolve.</li>
 * </ul>
 * It guarantees:
 * <ul>
 * <li>{@link #invoke(ToolCall)} is only called for a tool visible under the caller's policy, with arguments
 * that passed the tool's JSON schema (unknown fields rejected unless the schema allows them);</li>
 * <li>every call runs on a bounded pool with a deadline ({@link ToolCall#deadline()}); when it passes, or when
 * the tool's bundle goes away, the calling thread is interrupted and the caller gets an error: a tool that
 * loops should check {@link ToolCall#cancelled()} or honour interrupts;</li>
 * <li>a call keeps the policy snapshot it started with, even if policy is reloaded while it runs.</li>
 * </ul>
 * A tool must not start threads of its own (it runs on the orchestrator's pool), block without bound (wait
 * with a timeout no later than the deadline, and stop when interrupted), keep state that leaks between profiles
 * or sessions (two calls under different profiles may run at once on the same instance), reach the network
 * anywhere but the targets it declares in {@link ToolService#outbound()}, or call other tools except through
 * the dispatcher. It returns JSON-compatible values: {@code null}, {@link Boolean}, {@link Number},
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
     * Service property: the tool's outbound network targets, checked by the egress guardrail before dispatch.
     * An entry is either the name of an argument that holds a URL string (or a list of them), or a fixed URL
     * (an entry containing {@code ://}) that the tool always calls, such as an OpenAPI service's base URL. The
     * connect-time check of the platform's HTTP client stays the backstop for whatever a tool reaches.
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
