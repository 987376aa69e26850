package io.cuga.tool.mcp.internal;

import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;

/** One tool of an MCP server, registered as a Tool service; a call is a tools/call on the server's session. */
final class McpTool implements Tool {

    private final ServerConnection server;
    private final String mcpName;

    McpTool(ServerConnection server, String mcpName) {
        this.server = server;
        this.mcpName = mcpName;
    }

    @Override
    public Object invoke(ToolCall call) throws Exception {
        return server.call(mcpName, call.arguments(), call.deadline());
    }
}
