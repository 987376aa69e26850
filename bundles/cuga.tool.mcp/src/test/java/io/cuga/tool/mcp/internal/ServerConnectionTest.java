package io.cuga.tool.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.tool.ToolException;
import io.modelcontextprotocol.spec.McpSchema;

/** A connection against real MCP servers from npm: stdio and streamable HTTP. */
class ServerConnectionTest {

    private static final ObjectMapper MAPPER = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @TempDir
    Path data;

    private volatile List<String> published = List.of();
    private ServerConnection connection;
    private Process httpServer;

    @AfterEach
    void tearDown() throws Exception {
        if (connection != null) {
            connection.stop();
        }
        if (httpServer != null) {
            ProcessTree.destroy(ProcessTree.snapshot(httpServer.toHandle()), Duration.ofSeconds(5));
        }
    }

    private Settings settings(List<String> sandbox) {
        return new Settings(data, Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMillis(200),
            Duration.ofSeconds(2), 100_000, 200, sandbox, List.of("LANG"));
    }

    private ServerConnection connect(ServerSpec spec, List<String> sandbox) throws Exception {
        connection = new ServerConnection(spec, settings(sandbox),
            (server, tools) -> published = tools.stream().map(McpSchema.Tool::name).toList(), MAPPER);
        connection.start().get(60, TimeUnit.SECONDS);
        return connection;
    }

    private static ServerSpec stdio(String name, String command, List<String> args, Map<String, String> env) {
        return new ServerSpec(name, ServerSpec.Transport.STDIO, command, args, env, "", null, Map.of(), Map.of(), 1);
    }

    private static Instant soon() {
        return Instant.now().plusSeconds(20);
    }

    @Test
    @SuppressWarnings("unchecked")
    void callsToolsOfTheEverythingServerOverStdio() throws Exception {
        Path bin = McpServers.bin("mcp-server-everything");
        connect(stdio("everything", bin.toString(), List.of("stdio"), Map.of("MARKER", "m-1")), List.of());
        assertThat(published).contains("echo", "get-sum", "get-env");

        Map<String, Object> echo = connection.call("echo", Map.of("message", "hello mcp"), soon());
        assertThat(echo.get("content").toString()).contains("hello mcp");
        Map<String, Object> sum = connection.call("get-sum", Map.of("a", 2, "b", 40), soon());
        assertThat(sum.get("content").toString()).contains("42");

        // the child's environment: the entry's variables, never the proxy variables cuga itself has (set for
        // this test JVM by surefire)
        assertThat(System.getenv("HTTPS_PROXY")).as("surefire sets HTTPS_PROXY for this test").isNotNull();
        String env = ((List<Map<String, Object>>) connection.call("get-env", Map.of(), soon()).get("content"))
            .get(0).get("text").toString();
        Map<String, Object> vars = MAPPER.readValue(env, Map.class);
        assertThat(vars).containsEntry("MARKER", "m-1").doesNotContainKeys("HTTPS_PROXY", "https_proxy",
            "NO_PROXY");
    }

    @Test
    void aToolErrorIsAToolExceptionWithTheServersMessageBounded() throws Exception {
        Path bin = McpServers.bin("mcp-server-filesystem");
        connect(stdio("fs", bin.toString(), List.of("."), Map.of()), List.of());
        assertThat(published).contains("read_text_file", "list_allowed_directories");
        // the working directory is the server's folder under the data directory
        String allowed = connection.call("list_allowed_directories", Map.of(), soon()).get("content").toString();
        assertThat(allowed).contains(data.resolve("mcp/fs").toRealPath().toString());

        assertThatThrownBy(() -> connection.call("read_text_file", Map.of("path", "/etc/passwd"), soon()))
            .isInstanceOfSatisfying(ToolException.class, e -> {
                assertThat(e.code()).isEqualTo("mcp_tool_error");
                assertThat(e.getMessage()).containsIgnoringCase("access denied").hasSizeLessThanOrEqualTo(200);
            });
        Files.writeString(data.resolve("mcp/fs/note.txt"), "x".repeat(500));
        assertThat(connection.call("read_text_file", Map.of("path", "note.txt"), soon()).toString())
            .contains("xxxx");
    }

    @Test
    void aServerThatDiesIsWithdrawnAndRestarted() throws Exception {
        Path bin = McpServers.bin("mcp-server-everything");
        connect(stdio("everything", bin.toString(), List.of("stdio"), Map.of()), List.of());
        Process first = connection.process();
        assertThat(published).contains("echo");

        first.toHandle().destroyForcibly();
        assertThat(poll(() -> published.isEmpty())).as("tools withdrawn while down").isTrue();
        assertThatThrownBy(() -> connection.call("echo", Map.of("message", "x"), soon()))
            .isInstanceOfSatisfying(ToolException.class,
                e -> assertThat(e.code()).isEqualTo("mcp_server_unavailable"));
        assertThat(poll(() -> published.contains("echo"))).as("tools back after the restart").isTrue();
        assertThat(connection.process().pid()).isNotEqualTo(first.pid());
        assertThat(connection.call("echo", Map.of("message", "again"), soon()).toString()).contains("again");
    }

    @Test
    void stoppingEndsTheWholeProcessTree() throws Exception {
        Path bin = McpServers.bin("mcp-server-everything");
        // the server starts a grandchild of its own: sh backgrounds a sleep, then becomes the server
        connect(stdio("tree", "/bin/sh", List.of("-c", "sleep 600 & exec " + bin + " stdio"), Map.of()),
            List.of());
        ProcessHandle server = connection.process().toHandle();
        List<ProcessHandle> tree = ProcessTree.snapshot(server);
        assertThat(tree).hasSizeGreaterThanOrEqualTo(2);
        assertThat(tree.stream().anyMatch(p -> p.info().command().orElse("").endsWith("sleep"))).isTrue();

        connection.stop();
        assertThat(poll(() -> tree.stream().noneMatch(ProcessHandle::isAlive))).isTrue();
        assertThat(published).isEmpty();
    }

    @Test
    void aSandboxPrefixWrapsTheCommand() throws Exception {
        Path bin = McpServers.bin("mcp-server-everything");
        // env(1) stands in for a sandbox such as bubblewrap: a prefix that then runs the command
        connect(stdio("boxed", bin.toString(), List.of("stdio"), Map.of()), List.of("/usr/bin/env",
            "SANDBOX_DIR={workdir}"));
        String env = connection.call("get-env", Map.of(), soon()).toString();
        assertThat(env).contains(data.resolve("mcp/boxed").toString());
    }

    @Test
    void callsTheEverythingServerOverStreamableHttp() throws Exception {
        Path bin = McpServers.bin("mcp-server-everything");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "streamableHttp").redirectErrorStream(true)
            .redirectOutput(data.resolve("http-server.log").toFile());
        pb.environment().put("PORT", String.valueOf(port));
        httpServer = pb.start();
        int p = port;
        assertThat(poll(() -> {
            try (Socket s = new Socket("127.0.0.1", p)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        })).isTrue();
        connect(new ServerSpec("remote", ServerSpec.Transport.HTTP, "", List.of(), Map.of(), "",
            URI.create("http://127.0.0.1:" + port + "/mcp"), Map.of("X-Test", "1"), Map.of(), 1), List.of());
        assertThat(published).contains("echo", "get-sum");
        assertThat(connection.call("get-sum", Map.of("a", 1, "b", 2), soon()).toString()).contains("3");

        ProcessTree.destroy(ProcessTree.snapshot(httpServer.toHandle()), Duration.ofSeconds(5));
        connection.checkHealth().get(30, TimeUnit.SECONDS);
        assertThat(published).as("an HTTP server that stops answering is withdrawn").isEmpty();
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
