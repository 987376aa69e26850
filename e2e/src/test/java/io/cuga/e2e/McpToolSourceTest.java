package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * MCP servers from npm as tool sources of the real distribution: the tools appear as server_tool, calls and
 * tool errors work, a killed server's tools go and come back, editing the servers file at run time adds and
 * removes servers, and stopping the bundle leaves no child process.
 */
class McpToolSourceTest {

    private static Path bin(String name) {
        Path bin = CugaServer.root().resolve("e2e/mcp/node_modules/.bin").resolve(name);
        if (!Files.isExecutable(bin)) {
            String missing = bin + " is missing: run (cd e2e/mcp && npm ci)";
            assertThat(Boolean.getBoolean("cuga.e2e.require.mcp")).as(missing).isFalse();
            assumeTrue(false, missing);
        }
        return bin;
    }

    private static String servers(Path everything, Path filesystem, boolean withFs, boolean withMore) {
        StringBuilder yaml = new StringBuilder("servers:\n");
        yaml.append("  - name: everything\n    transport: stdio\n    command: ").append(everything)
            .append("\n    args: [stdio]\n");
        if (withFs) {
            yaml.append("  - name: fs\n    transport: stdio\n    command: ").append(filesystem)
                .append("\n    args: [\".\"]\n");
        }
        if (withMore) {
            yaml.append("  - name: more\n    transport: stdio\n    command: ").append(everything)
                .append("\n    args: [stdio]\n");
        }
        return yaml.toString();
    }

    private static List<ProcessHandle> mcpChildren(CugaServer server) {
        return server.process.descendants()
            .filter(p -> p.info().commandLine().orElse("").contains("mcp-server-")
                || p.info().arguments().map(a -> String.join(" ", a)).orElse("").contains("mcp-server-"))
            .toList();
    }

    @Test
    void mcpServersAreToolSourcesOfTheDistribution() throws Exception {
        Path everything = bin("mcp-server-everything");
        Path filesystem = bin("mcp-server-filesystem");
        try (CugaServer server = CugaServer.start(Path.of(System.getProperty("java.home")), Map.of(
            "AGENT_TOKEN", AGENT_TOKEN, "CUGA_APPROVER_TOKEN", CugaServer.APPROVER_TOKEN,
            "CUGA_ADMIN_TOKEN", CugaServer.ADMIN_TOKEN, "MCP_SERVERS_FILE", "mcp-servers.yaml"), config -> {
                Files.writeString(config.resolve("mcp-servers.yaml"), servers(everything, filesystem, true, false));
                Path allowlist = config.resolve("cuga.allowlist.cfg");
                Files.writeString(allowlist, Files.readString(allowlist).replace("tools = calculator,",
                    "tools = everything_*, fs_*, more_*, calculator,"), StandardCharsets.UTF_8);
            })) {
            Path file = server.config.resolve("mcp-servers.yaml");
            assertThat(poll(Duration.ofSeconds(60), () -> server.toolNames().containsAll(List.of("everything_echo",
                "everything_get-sum", "fs_read_text_file")))).as(server.logTail()).isTrue();
            JsonNode listed = CugaServer.json(server.get("/api/v1/tools", AGENT_TOKEN));
            for (JsonNode tool : listed.path("tools")) {
                if (tool.path("name").asText().equals("fs_write_file")) {
                    assertThat(tool.path("risk").asText()).isEqualTo("DELETE");
                }
                if (tool.path("name").asText().equals("everything_get-sum")) {
                    assertThat(tool.path("risk").asText()).isEqualTo("READ");
                }
            }

            // calls
            HttpResponse<String> echo = server.invoke("everything_echo", AGENT_TOKEN, Map.of("message", "hi mcp"));
            assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
            assertThat(echo.body()).contains("hi mcp");
            HttpResponse<String> sum = server.invoke("everything_get-sum", AGENT_TOKEN, Map.of("a", 20, "b", 22));
            assertThat(sum.statusCode()).as(sum.body()).isEqualTo(200);
            assertThat(sum.body()).contains("42");

            // a tool error is a clean 400 with the server's message
            HttpResponse<String> denied = server.invoke("fs_read_text_file", AGENT_TOKEN,
                Map.of("path", "/etc/passwd"));
            assertThat(denied.statusCode()).as(denied.body()).isEqualTo(400);
            assertThat(denied.body()).contains("mcp_tool_error").containsIgnoringCase("access denied")
                .doesNotContain("at io.").doesNotContain("Exception");

            // a killed server's tools disappear and come back after the restart
            ProcessHandle victim = mcpChildren(server).stream()
                .filter(p -> p.info().commandLine().orElse("").contains("mcp-server-everything")
                    || p.info().arguments().map(a -> String.join(" ", a)).orElse("").contains("everything"))
                .findFirst().orElseThrow(() -> new AssertionError("no everything server process"));
            victim.destroyForcibly();
            assertThat(poll(Duration.ofSeconds(30), () -> !server.toolNames().contains("everything_echo")))
                .as("tools hidden while the server is down").isTrue();
            assertThat(poll(Duration.ofSeconds(60), () -> server.toolNames().contains("everything_echo")))
                .as("tools back after the restart: " + server.logTail()).isTrue();
            assertThat(server.invoke("everything_echo", AGENT_TOKEN, Map.of("message", "back")).body())
                .contains("back");

            // editing the file at run time adds and removes servers
            Files.writeString(file, servers(everything, filesystem, false, true));
            assertThat(poll(Duration.ofSeconds(60), () -> {
                List<String> names = server.toolNames();
                return names.contains("more_echo") && names.stream().noneMatch(n -> n.startsWith("fs_"));
            })).as(server.logTail()).isTrue();
            assertThat(server.toolNames()).contains("everything_echo");

            // a broken file is refused with its line, the servers keep running
            Files.writeString(file, "servers:\n  - name: x\n    transport: pigeon\n    command: y\n");
            assertThat(poll(Duration.ofSeconds(30), () -> server.logText().contains("line 3: server 'x': "
                + "transport must be stdio or http"))).isTrue();
            assertThat(server.toolNames()).contains("everything_echo", "more_echo");
            // and the operators' diagnostics say so
            String diagnostics = server.get("/api/v1/tools/diagnostics", CugaServer.ADMIN_TOKEN).body();
            assertThat(diagnostics).contains("\"kind\":\"mcp_servers_file\"")
                .contains("transport must be stdio or http");

            // stopping the bundle ends every child process
            List<ProcessHandle> children = mcpChildren(server);
            assertThat(children).hasSizeGreaterThanOrEqualTo(2);
            List<ProcessHandle> tree = children.stream()
                .flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
                .toList();
            stopBundle(server, "cuga.tool.mcp");
            assertThat(poll(Duration.ofSeconds(30), () -> tree.stream().noneMatch(ProcessHandle::isAlive)))
                .as("no MCP child process left").isTrue();
            assertThat(mcpChildren(server)).isEmpty();
            assertThat(server.toolNames()).noneMatch(n -> n.startsWith("everything_") || n.startsWith("more_"));
        }
    }

    private static void stopBundle(CugaServer server, String bsn) throws Exception {
        String user = null;
        String password = null;
        for (String line : Files.readAllLines(server.data.resolve("secrets/console.credentials"))) {
            if (line.startsWith("user=")) {
                user = line.substring(5).trim();
            } else if (line.startsWith("password=")) {
                password = line.substring(9).trim();
            }
        }
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
            .getBytes(StandardCharsets.UTF_8));
        Optional<Long> id = Optional.empty();
        for (JsonNode b : CugaServer.json(server.send(HttpRequest.newBuilder(server.uri("/system/console/bundles.json"))
            .header("Authorization", basic).GET(), null)).path("data")) {
            if (b.path("symbolicName").asText().equals(bsn)) {
                id = Optional.of(b.path("id").asLong());
            }
        }
        HttpRequest.Builder stop = HttpRequest.newBuilder(server.uri("/system/console/bundles/"
            + id.orElseThrow(() -> new AssertionError(bsn + " is not installed"))))
            .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("action=stop"));
        assertThat(server.send(stop, null).statusCode()).isEqualTo(200);
    }
}
