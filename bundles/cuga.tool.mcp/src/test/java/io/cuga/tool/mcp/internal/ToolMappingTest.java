package io.cuga.tool.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.modelcontextprotocol.spec.McpSchema;

class ToolMappingTest {

    private static McpSchema.Tool tool(String name, Boolean readOnly, Boolean destructive) {
        McpSchema.ToolAnnotations hints = readOnly == null && destructive == null ? null
            : new McpSchema.ToolAnnotations(null, readOnly, destructive, null, null, null);
        return new McpSchema.Tool(name, null, null, Map.of("$schema", "http://json-schema.org/draft-07/schema#",
            "type", "object", "properties", Map.of("a", Map.of("type", "number"))), null, hints, null);
    }

    private static ServerSpec spec(Map<String, RiskTier> risk) {
        return new ServerSpec("srv", ServerSpec.Transport.STDIO, "x", List.of(), Map.of(), "", null, Map.of(), risk,
            1);
    }

    @Test
    void namesArePrefixedSanitisedAndCut() {
        assertThat(ToolMapping.name("everything", "get-sum")).isEqualTo("everything_get-sum");
        assertThat(ToolMapping.name("fs", "read.file/über")).isEqualTo("fs_read_file__ber");
        String long64 = ToolMapping.name("s", "x".repeat(100));
        assertThat(long64).hasSize(64);
        assertThat(Tool.NAME_PATTERN.matcher(long64).matches()).isTrue();
    }

    @Test
    void riskComesFromHintsUnlessConfigured() {
        assertThat(ToolMapping.risk(spec(Map.of()), tool("a", true, false))).isEqualTo(RiskTier.READ);
        assertThat(ToolMapping.risk(spec(Map.of()), tool("a", false, true))).isEqualTo(RiskTier.DELETE);
        assertThat(ToolMapping.risk(spec(Map.of()), tool("a", false, false))).isEqualTo(RiskTier.WRITE);
        assertThat(ToolMapping.risk(spec(Map.of()), tool("a", null, null))).isEqualTo(RiskTier.WRITE);
        assertThat(ToolMapping.risk(spec(Map.of("a", RiskTier.FINANCIAL)), tool("a", true, false)))
            .isEqualTo(RiskTier.FINANCIAL);
        assertThat(ToolMapping.risk(spec(Map.of("*", RiskTier.EXTERNAL)), tool("b", true, false)))
            .isEqualTo(RiskTier.EXTERNAL);
    }

    @Test
    void theSchemaDropsItsDraftLine() {
        assertThat(ToolMapping.schema(tool("a", null, null))).doesNotContainKey("$schema")
            .containsEntry("type", "object").containsKey("properties");
    }
}
