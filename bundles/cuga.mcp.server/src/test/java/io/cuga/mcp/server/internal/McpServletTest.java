package io.cuga.mcp.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.tool.RiskTier;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * The MCP endpoint in a real Jetty 12 (async supported, as the whiteboard registers it), spoken to by the MCP Java
 * SDK's own streamable-HTTP client and by plain HTTP for what a client must never see (stack traces, HTML).
 */
class McpServletTest {

    static final ObjectMapper JSON = new ObjectMapper();

    final Doubles.Registry registry = new Doubles.Registry();
    final Doubles.MemoryApprovals approvals = new Doubles.MemoryApprovals();
    final Doubles.Calls calls = new Doubles.Calls(approvals);
    McpServlet servlet;
    Server jetty;
    int port;

    @BeforeEach
    void start() throws Exception {
        registry.put(Doubles.tool("calculator", RiskTier.READ), "default", "gated");
        registry.put(Doubles.tool("secret", RiskTier.DELETE), "default");
        registry.put(Doubles.tool("busy", RiskTier.EXTERNAL), "default");
        registry.put(Doubles.tool("gated", RiskTier.WRITE), "default");
        registry.put(Doubles.tool("opsonly", RiskTier.WRITE), "ops");
        servlet = new McpServlet(new Doubles.Tokens(), Doubles.config(McpServlet.Config.class, Map.of()));
        servlet.bindRegistry(registry);
        servlet.bindDispatcher(calls);
        servlet.bindApprovals(approvals);
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, McpServlet.PATH);
        jetty.setHandler(context);
        jetty.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        servlet.deactivate();
        jetty.stop();
    }

    McpSyncClient client(String token, String profile) {
        HttpRequest.Builder request = HttpRequest.newBuilder().header("Authorization", "Bearer " + token);
        if (profile != null) {
            request.header("X-Cuga-Profile", profile);
        }
        JacksonMcpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
            .builder("http://127.0.0.1:" + port).endpoint(McpServlet.PATH).jsonMapper(mapper).requestBuilder(request)
            .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20))
            .jsonSchemaValidator(new DefaultJsonSchemaValidator(new ObjectMapper())).build();
        client.initialize();
        return client;
    }

    @Test
    void listsTheToolsOfTheCallersProfileWithSchemasAndRiskHints() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            List<McpSchema.Tool> tools = client.listTools().tools();
            assertThat(tools).extracting(McpSchema.Tool::name)
                .containsExactlyInAnyOrder("calculator", "secret", "busy", "gated");
            McpSchema.Tool calculator = tools.stream().filter(t -> t.name().equals("calculator")).findFirst()
                .orElseThrow();
            assertThat(calculator.inputSchema()).extractingByKey("properties")
                .asInstanceOf(InstanceOfAssertFactories.MAP).containsKey("x");
            assertThat(calculator.annotations().readOnlyHint()).isTrue();
            assertThat(calculator.meta()).containsEntry("io.cuga/risk", "READ");
            McpSchema.Tool secret = tools.stream().filter(t -> t.name().equals("secret")).findFirst().orElseThrow();
            assertThat(secret.annotations().destructiveHint()).isTrue();
        }
        try (McpSyncClient ops = client(Doubles.OPS, null)) {
            assertThat(ops.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("opsonly");
        }
        try (McpSyncClient gated = client(Doubles.AGENT, "gated")) {
            assertThat(gated.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("calculator");
        }
    }

    @Test
    void aToolRegisteredLaterIsListedAndCallable() {
        try (McpSyncClient client = client(Doubles.OPS, null)) {
            assertThat(client.listTools().tools()).hasSize(1);
            registry.put(Doubles.tool("late", RiskTier.READ), "ops");
            assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
                .containsExactlyInAnyOrder("opsonly", "late");
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("late", Map.of()));
            assertThat(result.isError()).isTrue();
            assertThat(calls.seen).last().extracting(r -> r.tool() + "/" + r.caller() + "/" + r.profile())
                .isEqualTo("late/ops/ops");
        }
    }

    @Test
    void callsGoThroughTheDispatcherAsTheCaller() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("calculator",
                Map.of("x", 41)));
            assertThat(result.isError()).isFalse();
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo("{\"value\":42.0}");
            assertThat(result.structuredContent()).isEqualTo(Map.of("value", 42.0));
            assertThat(result.meta()).containsEntry("io.cuga/callId", "c1");
            assertThat(calls.seen).hasSize(1);
            assertThat(calls.seen.get(0).caller()).isEqualTo("agent");
            assertThat(calls.seen.get(0).profile()).isEqualTo("default");
            assertThat(calls.seen.get(0).session()).startsWith("mcp:");
        }
    }

    @Test
    void aToolNoProfileSeesIsAProtocolErrorAndTheSessionGoesOn() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.callTool(
                new McpSchema.CallToolRequest("nosuchtool", Map.of())))
                .isInstanceOf(io.modelcontextprotocol.spec.McpError.class).hasMessageContaining("Unknown tool");
            assertThat(calls.seen).isEmpty();
            assertThat(client.callTool(new McpSchema.CallToolRequest("calculator", Map.of("x", 1))).isError())
                .isFalse();
        }
    }

    @Test
    void aDenialIsAToolErrorNamingTheGuardrailAndReason() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("secret", Map.of()));
            assertThat(result.isError()).isTrue();
            String text = ((McpSchema.TextContent) result.content().get(0)).text();
            assertThat(text).contains("Denied").contains("allowlist").contains("not on the allowlist");
            assertThat(structured(result)).containsEntry("guardrail", "allowlist")
                .containsEntry("status", "DENIED");
        }
    }

    @Test
    void aLimitSaysSoWithTheRetryTime() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("busy", Map.of()));
            assertThat(result.isError()).isTrue();
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).startsWith("Limited")
                .contains("ratelimit").contains("retry after 12 s");
            assertThat(structured(result)).containsEntry("retryAfterSeconds", 12);
        }
    }

    @Test
    void anApprovalGatedCallAnswersWithItsApprovalIdWhenTheClientDoesNotWait() {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            McpSchema.CallToolResult result = client.callTool(new McpSchema.CallToolRequest("gated", Map.of()));
            assertThat(result.isError()).isFalse();
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).startsWith("Awaiting approval")
                .contains("ap-1");
            assertThat(result.meta()).containsEntry("io.cuga/approvalId", "ap-1");
            assertThat(structured(result)).containsEntry("approvalId", "ap-1")
                .containsEntry("status", "APPROVAL_REQUIRED");
        }
    }

    @Test
    void aWaitingCallCompletesWhenApprovedWithinItsWait() throws Exception {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            CompletableFuture<McpSchema.CallToolResult> pending = CompletableFuture.supplyAsync(() -> client.callTool(
                McpSchema.CallToolRequest.builder("gated").arguments(Map.of())
                    .meta(Map.of("io.cuga/approvalWaitSeconds", 15)).build()));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (approvals.byId.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(pending).isNotDone();
            approvals.decide("ap-1", true, "approver", "fine");
            McpSchema.CallToolResult result = pending.get(15, TimeUnit.SECONDS);
            assertThat(result.isError()).isFalse();
            assertThat(result.structuredContent()).isEqualTo(Map.of("value", 42));
            assertThat(result.meta()).containsEntry("io.cuga/approvalId", "ap-1");
        }
    }

    @Test
    void aRejectionWithinTheWaitIsADenial() throws Exception {
        try (McpSyncClient client = client(Doubles.AGENT, null)) {
            CompletableFuture<McpSchema.CallToolResult> pending = CompletableFuture.supplyAsync(() -> client.callTool(
                McpSchema.CallToolRequest.builder("gated").arguments(Map.of())
                    .meta(Map.of("io.cuga/approvalWaitSeconds", 15)).build()));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (approvals.byId.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            approvals.decide("ap-1", false, "approver", "not today");
            McpSchema.CallToolResult result = pending.get(15, TimeUnit.SECONDS);
            assertThat(result.isError()).isTrue();
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).contains("rejected")
                .contains("not today");
        }
    }

    HttpResponse<String> post(String token, String body, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        + "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

    @Test
    void withoutAValidTokenIt401sWithAJsonErrorAsTheRestApiDoes() throws Exception {
        HttpResponse<String> none = post(null, INITIALIZE.formatted("2025-06-18"), "application/json, "
            + "text/event-stream");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
            .startsWith("Bearer"));
        assertThat(JSON.readTree(none.body()).at("/error/code").asText()).isEqualTo("unauthorized");
        HttpResponse<String> wrong = post("nope", INITIALIZE.formatted("2025-06-18"), null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpRequest forbidden = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .header("Authorization", "Bearer " + Doubles.OPS).header("X-Cuga-Profile", "default")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> denied = HttpClient.newHttpClient().send(forbidden, HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(denied.body()).at("/error/details/profile").asText()).isEqualTo("default");
    }

    @Test
    void badInputNeverShowsAStackTrace() throws Exception {
        for (String body : List.of("not json", "{\"jsonrpc\":\"2.0\"}", "[]", "{\"jsonrpc\":\"2.0\",\"id\":3,"
            + "\"method\":\"tools/list\"}")) {
            for (String accept : new String[] {null, "application/json, text/event-stream"}) {
                HttpResponse<String> response = post(Doubles.AGENT, body, accept);
                assertThat(response.statusCode()).as(body + " / " + accept).isBetween(400, 499);
                assertThat(response.body()).as(body).doesNotContain("\tat ").doesNotContain("Exception")
                    .doesNotContain("<html");
            }
        }
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mcp"))
            .header("Authorization", "Bearer " + Doubles.AGENT).PUT(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
    }

    @Test
    void olderProtocolVersionsTheSdkSpeaksAreAccepted() throws Exception {
        for (String version : List.of("2025-03-26", "2025-06-18", "2025-11-25")) {
            HttpResponse<String> response = post(Doubles.AGENT, INITIALIZE.formatted(version),
                "application/json, text/event-stream");
            assertThat(response.statusCode()).as(version).isEqualTo(200);
            assertThat(response.headers().firstValue("Mcp-Session-Id")).as(version).isPresent();
            assertThat(protocolVersion(response.body())).as(version).isEqualTo(version);
        }
        // 2024-11-05 predates streamable HTTP: the server answers with the version it prefers, as the spec says
        HttpResponse<String> old = post(Doubles.AGENT, INITIALIZE.formatted("2024-11-05"),
            "application/json, text/event-stream");
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(protocolVersion(old.body())).isEqualTo("2025-11-25");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(McpSchema.CallToolResult result) {
        return (Map<String, Object>) result.structuredContent();
    }

    static String protocolVersion(String body) throws Exception {
        String json = body.trim();
        if (!json.startsWith("{")) {
            for (String line : body.split("\n")) {
                if (line.startsWith("data:")) {
                    json = line.substring(5).trim();
                }
            }
        }
        JsonNode node = JSON.readTree(json);
        return node.at("/result/protocolVersion").asText();
    }
}
