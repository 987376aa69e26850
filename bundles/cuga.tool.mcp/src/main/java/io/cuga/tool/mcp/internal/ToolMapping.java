package io.cuga.tool.mcp.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.modelcontextprotocol.spec.McpSchema;

/** How an MCP tool becomes a cuga tool: its name, its risk tier and its argument schema. */
final class ToolMapping {

    private ToolMapping() {
    }

    /**
     * The cuga name of a server's tool: {@code <server>_<tool>}, every character outside the tool-name alphabet
     * replaced by '_', cut to 64 characters. Two MCP tools may map to one name; the caller reports that.
     */
    static String name(String server, String tool) {
        String raw = server + "_" + tool;
        StringBuilder out = new StringBuilder(Math.min(raw.length(), 64));
        for (int i = 0; i < raw.length() && out.length() < 64; i++) {
            char c = raw.charAt(i);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-');
            out.append(ok ? c : '_');
        }
        String name = out.toString();
        if (!Tool.NAME_PATTERN.matcher(name).matches()) {
            throw new IllegalStateException("sanitised name '" + name + "' breaks the tool-name rule");
        }
        return name;
    }

    /**
     * The risk tier: the servers file's override for this tool, else its override for "*", else the tool's
     * annotation hints: read-only -> READ, destructive -> DELETE, anything else (hints absent included) -> WRITE.
     */
    static RiskTier risk(ServerSpec spec, McpSchema.Tool tool) {
        RiskTier configured = spec.risk().get(tool.name());
        if (configured == null) {
            configured = spec.risk().get("*");
        }
        if (configured != null) {
            return configured;
        }
        McpSchema.ToolAnnotations hints = tool.annotations();
        if (hints != null && Boolean.TRUE.equals(hints.readOnlyHint())) {
            return RiskTier.READ;
        }
        if (hints != null && Boolean.TRUE.equals(hints.destructiveHint())) {
            return RiskTier.DELETE;
        }
        return RiskTier.WRITE;
    }

    /**
     * The argument schema as cuga reads it (JSON Schema 2020-12): the server's input schema without its
     * {@code $schema} line (MCP servers often say draft-07, whose keywords they use are read the same way).
     */
    static Map<String, Object> schema(McpSchema.Tool tool) {
        Map<String, Object> schema = tool.inputSchema() == null ? new LinkedHashMap<>()
            : new LinkedHashMap<>(tool.inputSchema());
        schema.remove("$schema");
        schema.putIfAbsent("type", "object");
        return schema;
    }

    /** The description: the tool's, else its title, else a sentence naming the server. */
    static String description(String server, McpSchema.Tool tool) {
        if (tool.description() != null && !tool.description().isBlank()) {
            return tool.description();
        }
        if (tool.title() != null && !tool.title().isBlank()) {
            return tool.title();
        }
        return "Tool " + tool.name() + " of the MCP server " + server + ".";
    }
}
