package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The HTTP contract as a client sees it: routes, auth, and every kind of bad input. */
class HttpApiTest {

    static CugaServer server;

    @BeforeAll
    static void start() {
        server = CugaServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Every error is the documented JSON shape and never leaks a stack trace. */
    static JsonNode error(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
        JsonNode error = json(response).path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).isNotBlank();
        return error;
    }

    @Test
    void openRoutesNeedNoToken() {
        assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
        assertThat(server.get("/ready", null).statusCode()).isEqualTo(200);
        HttpResponse<String> openapi = server.get("/api/v1/openapi.json", null);
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(json(openapi).path("paths").has("/api/v1/tools/{name}/invoke")).isTrue();
    }

    @Test
    void listsVisibleToolsWithTheirSchema() {
        JsonNode tools = json(server.get("/api/v1/tools", AGENT_TOKEN)).path("tools");
        JsonNode calculator = null;
        for (JsonNode tool : tools) {
            if (tool.path("name").asText().equals("calculator")) {
                calculator = tool;
            }
        }
        assertThat(calculator).as(tools.toString()).isNotNull();
        assertThat(calculator.path("risk").asText()).isEqualTo("READ");
        assertThat(calculator.path("bundle").asText()).isEqualTo("cuga.tool.calculator");
        assertThat(calculator.path("inputSchema").path("properties").has("expression")).isTrue();
        assertThat(calculator.path("description").asText()).isNotBlank();
    }

    @Test
    void invokesTheCalculator() {
        HttpResponse<String> response = server.invoke("calculator", AGENT_TOKEN,
            Map.of("expression", "max([1, 2**10, 3]) // 3"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("result").path("value").asLong()).isEqualTo(341);
        assertThat(body.path("decision").path("verdict").asText()).isEqualTo("ALLOW");
    }

    @Test
    void toolErrorsAreClearAndNameTheTool() {
        JsonNode error = error(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1/0")), 400,
            "division_by_zero");
        assertThat(error.path("details").path("tool").asText()).isEqualTo("calculator");
    }

    @Test
    void authIsRequiredAndRolesAreEnforced() {
        HttpResponse<String> none = server.get("/api/v1/tools", null);
        error(none, 401, "unauthorized");
        assertThat(none.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        error(server.get("/api/v1/tools", "not-a-token"), 401, "unauthorized");
        error(server.get("/api/v1/tools/diagnostics", AGENT_TOKEN), 403, "forbidden");
        assertThat(server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN).statusCode()).isEqualTo(200);
        assertThat(server.get("/api/v1/tools", ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownToolIs404() {
        error(server.invoke("no_such_tool", AGENT_TOKEN, Map.of()), 404, "unknown_tool");
    }

    @Test
    void schemaViolationsAre422NamingTheField() {
        JsonNode error = error(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", 42)), 422,
            "invalid_arguments");
        assertThat(error.path("details").path("field").asText()).isEqualTo("expression");
        JsonNode unknown = error(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1", "x", 1)), 422,
            "invalid_arguments");
        assertThat(unknown.path("details").path("field").asText()).isEqualTo("x");
    }

    @Test
    void malformedJsonIs400() {
        error(server.post("/api/v1/tools/calculator/invoke", AGENT_TOKEN, "application/json", "{\"arguments\":"),
            400, "malformed_json");
    }

    @Test
    void wrongContentTypeIs415() {
        error(server.post("/api/v1/tools/calculator/invoke", AGENT_TOKEN, "text/plain", "{}"), 415,
            "unsupported_media_type");
    }

    @Test
    void oversizedBodiesAre413() {
        String big = "{\"arguments\":{\"expression\":\"" + "1".repeat(1024 * 1024 + 10) + "\"}}";
        error(server.post("/api/v1/tools/calculator/invoke", AGENT_TOKEN, "application/json", big), 413,
            "body_too_large");
    }

    @Test
    void unknownRoutesAre404Json() {
        error(server.get("/api/v1/nothing-here", AGENT_TOKEN), 404, "not_found");
    }

    @Test
    void traceparentIsHonouredAndReturned() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tools"))
            .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").GET(), AGENT_TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("traceparent").orElse("")).contains(traceId);
    }
}
