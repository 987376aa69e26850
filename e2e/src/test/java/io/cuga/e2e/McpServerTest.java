package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.APPROVER_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * cuga as an MCP server, driven at the running distribution's {@code POST /mcp} by real MCP clients from npm: the
 * official TypeScript SDK client ({@code e2e/mcp-client/client.mjs}) lists tools, calls the calculator, sees an
 * egress denial as a tool error and an approval-gated call complete once an approver approves it over the REST
 * API while the client waits; the MCP Inspector CLI connects and lists the tools. Skipped without node and the
 * packages of {@code e2e/mcp-client} ({@code npm ci} there) unless {@code cuga.e2e.require.mcp=true}.
 */
class McpServerTest {

    /** Every calculator call under profile gated waits for a person. */
    static final String GATED = """
        profile: gated
        guardrails: [allowlist, approval, redaction]
        allowlist:
          allow: [calculator]
          bundles: ["*"]
        approval:
          tiers: []
          tools: [calculator]
          timeout_seconds: 120
        """;

    static final Path CLIENT = CugaServer.root().resolve("e2e/mcp-client");

    static CugaServer server;

    @BeforeAll
    static void start() throws Exception {
        String missing = missingClients();
        if (missing != null) {
            assertThat(Boolean.getBoolean("cuga.e2e.require.mcp")).as(missing).isFalse();
            assumeTrue(false, missing);
        }
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("policies/gated.yaml"), GATED, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String missingClients() {
        String hint = " (cd e2e/mcp-client && npm ci)";
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!node.waitFor(20, TimeUnit.SECONDS) || node.exitValue() != 0) {
                return "node does not run" + hint;
            }
        } catch (IOException | InterruptedException e) {
            return "node is not installed: " + e.getMessage() + hint;
        }
        for (String module : List.of("@modelcontextprotocol/sdk", "@modelcontextprotocol/inspector")) {
            if (!Files.isDirectory(CLIENT.resolve("node_modules").resolve(module))) {
                return module + " is not installed in " + CLIENT + hint;
            }
        }
        return null;
    }

    record Run(int exit, String out) {
        JsonNode json() {
            try {
                String[] lines = out.strip().split("\n");
                return JSON.readTree(lines[lines.length - 1]);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    static Run run(Map<String, String> env, String... command) {
        try {
            Path out = Files.createTempFile("mcp-client-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command) + "\n" + Files.readString(out));
            }
            String text = Files.readString(out);
            Files.deleteIfExists(out);
            return new Run(process.exitValue(), text);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Run client(String profile, String... args) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("MCP_URL", server.uri("/mcp").toString());
        env.put("MCP_TOKEN", AGENT_TOKEN);
        if (profile != null) {
            env.put("MCP_PROFILE", profile);
        }
        List<String> command = new ArrayList<>(List.of("node", "client.mjs"));
        command.addAll(List.of(args));
        return run(env, command.toArray(String[]::new));
    }

    static String text(JsonNode result) {
        return result.path("content").get(0).path("text").asText();
    }

    @Test
    void theTypeScriptSdkClientListsTheProfilesToolsWithSchemasAndRisk() {
        Run listed = client(null, "list");
        assertThat(listed.exit()).as(listed.out()).isZero();
        JsonNode body = listed.json();
        assertThat(body.path("server").path("name").asText()).isEqualTo("cuga");
        assertThat(body.path("sessionId").asText()).isNotEmpty();
        List<String> names = new ArrayList<>();
        body.path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("calculator", "http_get");
        JsonNode calculator = null;
        for (JsonNode tool : body.path("tools")) {
            if (tool.path("name").asText().equals("calculator")) {
                calculator = tool;
            }
        }
        assertThat(calculator.path("inputSchema").path("properties").has("expression")).isTrue();
        assertThat(calculator.path("_meta").path("io.cuga/risk").asText()).isNotEmpty();
        // profile gated sees the calculator only
        Run gated = client("gated", "list");
        assertThat(gated.exit()).as(gated.out()).isZero();
        assertThat(gated.json().path("tools")).extracting(t -> t.path("name").asText()).containsExactly("calculator");
    }

    @Test
    void callsRunThroughTheDispatcherAndADenialIsAToolErrorWithTheGuardrail() {
        Run ok = client(null, "call", "calculator", "{\"expression\":\"6*7\"}");
        assertThat(ok.exit()).as(ok.out()).isZero();
        JsonNode result = ok.json();
        assertThat(result.path("isError").asBoolean()).as(ok.out()).isFalse();
        assertThat(text(result)).contains("42");
        assertThat(result.path("_meta").path("io.cuga/callId").asText()).isNotEmpty();

        // egress allows no domain in the default profile: a real guardrail denial of a visible tool
        Run denied = client(null, "call", "http_get", "{\"url\":\"https://example.com/\"}");
        assertThat(denied.exit()).as(denied.out()).isZero();
        JsonNode error = denied.json();
        assertThat(error.path("isError").asBoolean()).as(denied.out()).isTrue();
        assertThat(text(error)).startsWith("Denied").contains("egress");
        assertThat(error.path("structuredContent").path("guardrail").asText()).isEqualTo("egress");

        // invalid arguments are the dispatcher's answer too, not a protocol failure
        Run invalid = client(null, "call", "calculator", "{\"nope\":1}");
        assertThat(invalid.json().path("isError").asBoolean()).as(invalid.out()).isTrue();

        // the audit trail holds the MCP calls like any other
        HttpResponse<String> audit = server.get("/api/v1/audit?tool=http_get&limit=5", ADMIN_TOKEN);
        assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
        assertThat(audit.body()).contains("egress");
    }

    @Test
    void anApprovalGatedCallAwaitsApprovalAndCompletesWhenApprovedWhileTheClientWaits() throws Exception {
        Run pending = client("gated", "call", "calculator", "{\"expression\":\"2+2\"}");
        assertThat(pending.exit()).as(pending.out()).isZero();
        JsonNode waiting = pending.json();
        assertThat(waiting.path("isError").asBoolean()).as(pending.out()).isFalse();
        assertThat(text(waiting)).startsWith("Awaiting approval");
        String first = waiting.path("_meta").path("io.cuga/approvalId").asText();
        assertThat(first).isNotEmpty();
        assertThat(waiting.path("structuredContent").path("approvalId").asText()).isEqualTo(first);

        CompletableFuture<Run> call = CompletableFuture.supplyAsync(
            () -> client("gated", "call", "calculator", "{\"expression\":\"20+22\"}", "60"));
        String[] id = new String[1];
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> {
            JsonNode list = json(server.get("/api/v1/approvals?status=PENDING", APPROVER_TOKEN));
            for (JsonNode approval : list.path("approvals")) {
                if (!approval.path("id").asText().equals(first)) {
                    id[0] = approval.path("id").asText();
                    return true;
                }
            }
            return false;
        })).as("a second pending approval").isTrue();
        assertThat(call).isNotDone();
        HttpResponse<String> approved = server.post("/api/v1/approvals/" + id[0] + "/approve", APPROVER_TOKEN,
            "application/json", "{\"reason\":\"checked by the e2e test\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        Run done = call.get(90, TimeUnit.SECONDS);
        assertThat(done.exit()).as(done.out()).isZero();
        JsonNode result = done.json();
        assertThat(result.path("isError").asBoolean()).as(done.out()).isFalse();
        assertThat(text(result)).contains("42");
        assertThat(result.path("_meta").path("io.cuga/approvalId").asText()).isEqualTo(id[0]);
    }

    @Test
    void theMcpInspectorCliConnectsAndListsTheTools() {
        Run inspector = run(Map.of(), "node", "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/"
            + "index.js", "--cli", server.uri("/mcp").toString(), "--transport", "http", "--method", "tools/list",
            "--header", "Authorization: Bearer " + AGENT_TOKEN);
        assertThat(inspector.exit()).as(inspector.out()).isZero();
        assertThat(inspector.out()).contains("\"calculator\"").contains("inputSchema");
        Run refused = run(Map.of(), "node", "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/"
            + "index.js", "--cli", server.uri("/mcp").toString(), "--transport", "http", "--method", "tools/list");
        assertThat(refused.exit()).as(refused.out()).isNotZero();
    }

    @Test
    void withoutATokenMcpAnswers401AsTheRestApiDoesAndNeverAStackTrace() {
        HttpResponse<String> none = server.send(HttpRequest.newBuilder(server.uri("/mcp"))
            .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")), null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
            .startsWith("Bearer"));
        assertThat(json(none).path("error").path("code").asText()).isEqualTo("unauthorized");
        HttpResponse<String> garbage = server.send(HttpRequest.newBuilder(server.uri("/mcp"))
            .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString("{not json")), AGENT_TOKEN);
        assertThat(garbage.statusCode()).isBetween(400, 499);
        assertThat(garbage.body()).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
