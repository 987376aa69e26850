package io.cuga.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModesTest {

    @TempDir
    Path config;

    private final Schema schema = new Schema().add("cuga.model.openai", "model", "String", 0, "")
            .add("cuga.model.openai", "api.key", "Password", 0, "");

    private Resolved resolved(String... sets) {
        return Resolver.resolve(new Resolver.Inputs(config, config, Map.of(), List.of(sets)), schema, true);
    }

    @Test
    void localReportsTheModelOrTheOfflinePlanner() throws Exception {
        assertThat(Modes.check("local", resolved(), Map.of(), config, config))
                .isEqualTo("mode local: no model configured (agent.llm.model), the offline planner plans");
        assertThat(Modes.check("local", resolved("agent.llm.model=gpt-x"), Map.of("OPENAI_API_KEY", "k"), config,
                config)).isEqualTo("mode local: model gpt-x (api key from OPENAI_API_KEY)");
    }

    @Test
    void serviceNeedsAgentTokenAndABudgetCeiling() throws Exception {
        Files.createDirectories(config.resolve("policies"));
        Files.writeString(config.resolve("policies/default.yaml"), "profile: default\nguardrails: [budget]\n");
        assertThatThrownBy(() -> Modes.check("service", resolved(), Map.of(), config, config))
                .hasMessageStartingWith("mode service needs AGENT_TOKEN in the environment")
                .hasMessageContaining("; and a budget ceiling in " + config.resolve("policies/default.yaml"));
        Files.writeString(config.resolve("policies/default.yaml"), "profile: default\nguardrails: [budget]\n"
                + "budget:\n  limits:\n    - {kind: calls, scope: profile, ceiling: 100}\n");
        assertThatThrownBy(() -> Modes.check("service", resolved(), Map.of(), config, config))
                .hasMessage("mode service needs AGENT_TOKEN in the environment (the bearer token agents call with)");
        assertThat(Modes.check("service", resolved(), Map.of("AGENT_TOKEN", "t"), config, config))
                .startsWith("mode service: AGENT_TOKEN set");
    }

    @Test
    void mcpNeedsAReadableServersFile() throws Exception {
        assertThatThrownBy(() -> Modes.check("mcp", resolved(), Map.of(), config, config))
                .hasMessageContaining("MCP_SERVERS_FILE in the environment");
        assertThatThrownBy(() -> Modes.check("mcp", resolved(), Map.of("MCP_SERVERS_FILE", "none.json"), config,
                config)).hasMessageContaining("a readable file at MCP_SERVERS_FILE=none.json");
        Files.writeString(config.resolve("servers.json"), "{}");
        assertThat(Modes.check("mcp", resolved(), Map.of("MCP_SERVERS_FILE", "servers.json"), config, config))
                .startsWith("mode mcp: MCP servers from " + config.resolve("servers.json"));
    }
}
