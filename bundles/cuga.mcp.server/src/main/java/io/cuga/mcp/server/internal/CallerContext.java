package io.cuga.mcp.server.internal;

import java.util.HashSet;
import java.util.Set;

import io.cuga.api.auth.AuthenticatedCaller;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The authenticated caller of one HTTP request to {@code /mcp}, handed to the SDK's handlers through the MCP
 * transport context. The set of tools visible to its profile is read once per request, when first asked.
 */
final class CallerContext {

    /** The key of this object in the MCP transport context. */
    static final String KEY = "io.cuga.mcp.caller";

    private final AuthenticatedCaller caller;
    private final ToolRegistry registry;
    private Set<String> visible;

    /**
     * @param caller who made the request
     * @param registry the tool registry, null when the orchestrator is absent
     */
    CallerContext(AuthenticatedCaller caller, ToolRegistry registry) {
        this.caller = caller;
        this.registry = registry;
    }

    /** @return who made the request */
    AuthenticatedCaller caller() {
        return caller;
    }

    /**
     * @param tool a tool name
     * @return whether the tool is visible under the caller's profile
     */
    synchronized boolean sees(String tool) {
        if (visible == null) {
            visible = new HashSet<>();
            if (registry != null) {
                for (ToolDescriptor descriptor : registry.visible(caller.profile())) {
                    visible.add(descriptor.name());
                }
            }
        }
        return visible.contains(tool);
    }
}
