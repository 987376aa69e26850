package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An OpenAPI service as a tool source in the distribution: a real HTTP service on loopback with its document,
 * a factory configuration {@code cuga.tool.openapi-shop.cfg} in the config folder and a policy whose egress
 * allows http to 127.0.0.0/8; its operations are called over the REST API.
 */
class OpenApiToolsTest {

    private static final String SPEC = """
        {"openapi": "3.0.3", "info": {"title": "Shop", "version": "1"},
         "servers": [{"url": "https://shop.invalid/api"}],
         "paths": {
           "/items/{id}": {"get": {"operationId": "getItem", "summary": "Gets one item.",
             "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                            {"name": "fields", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}],
             "responses": {"200": {"description": "ok"}}}},
           "/items": {"post": {"operationId": "createItem", "summary": "Creates an item.",
             "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
             "responses": {"201": {"description": "created"}}}}},
         "components": {"schemas": {"Item": {"type": "object", "required": ["name"],
           "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 0}}}}}}
        """;

    private static final String POLICY = """
        profile: default
        guardrails: [allowlist, schema, egress]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        egress:
          schemes: [http]
          allow_cidrs: [127.0.0.0/8]
        """;

    private static HttpServer shop;
    private static final List<String> seen = new CopyOnWriteArrayList<>();
    private static CugaServer server;

    @BeforeAll
    static void start() throws Exception {
        shop = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        shop.createContext("/", OpenApiToolsTest::handle);
        shop.start();
        String base = "http://127.0.0.1:" + shop.getAddress().getPort() + "/api";
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("shop.json"), SPEC, StandardCharsets.UTF_8);
            // the token outside the config folder (a relative token file would resolve against the data folder)
            java.nio.file.Path token = config.getParent().resolve("shop.token");
            Files.writeString(token, "shop-secret-token\n", StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.tool.openapi-shop.cfg"), "name = shop\nspec = shop.json\n"
                + "base.url = " + base + "\nauth = bearer\nauth.token.file = " + token + "\n",
                StandardCharsets.UTF_8);
            // a service whose base URL the policy does not allow: its tools exist, its calls are denied
            Files.writeString(config.resolve("cuga.tool.openapi-far.cfg"), "name = far\nspec = shop.json\n"
                + "base.url = http://10.255.255.1:9/api\ninclude = getItem\n", StandardCharsets.UTF_8);
            // a service whose document is missing: reported, and the others are not affected
            Files.writeString(config.resolve("cuga.tool.openapi-gone.cfg"), "name = gone\nspec = gone.json\n",
                StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.allowlist.cfg"), "tools = calculator, shop_*, far_*, late_*\n"
                + "bundles = cuga.tool.*\n", StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/default.yaml"), POLICY, StandardCharsets.UTF_8);
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (shop != null) {
            shop.stop(0);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String line = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
            + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        seen.add(line + " auth=" + exchange.getRequestHeaders().getFirst("Authorization"));
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int status;
        String answer;
        if (line.startsWith("GET /api/items/missing")) {
            status = 404;
            answer = "{\"message\":\"no item 'missing'\"}";
        } else if (line.startsWith("GET /api/items/")) {
            status = 200;
            answer = CugaServer.JSON.writeValueAsString(Map.of("request", line, "name", "lamp"));
        } else if (line.startsWith("POST /api/items")) {
            status = 201;
            answer = "{\"id\":\"i-7\",\"received\":" + body + "}";
        } else {
            status = 404;
            answer = "{}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void operationsAreToolsCalledOverTheApi() throws Exception {
        assertThat(poll(Duration.ofSeconds(20), () -> server.toolNames().containsAll(
            List.of("shop_getItem", "shop_createItem", "far_getItem")))).as(server.toolNames().toString()).isTrue();
        assertThat(server.toolNames()).doesNotContain("far_createItem").noneMatch(n -> n.startsWith("gone_"));

        HttpResponse<String> get = server.invoke("shop_getItem", AGENT_TOKEN,
            Map.of("id", "a b", "fields", List.of("name", "price")));
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        JsonNode result = json(get).path("result");
        assertThat(result.path("request").asText()).isEqualTo("GET /api/items/a%20b?fields=name&fields=price");
        assertThat(seen).anyMatch(s -> s.startsWith("GET /api/items/a%20b") && s.endsWith("auth=Bearer shop-secret-token"));

        HttpResponse<String> create = server.invoke("shop_createItem", AGENT_TOKEN,
            Map.of("body", Map.of("name", "chair", "price", 12.5)));
        assertThat(create.statusCode()).as(create.body()).isEqualTo(200);
        assertThat(json(create).path("result").path("id").asText()).isEqualTo("i-7");
        assertThat(json(create).path("result").path("received").path("name").asText()).isEqualTo("chair");
    }

    @Test
    void badArgumentsUpstreamErrorsAndEgressDenialsAreJsonErrors() throws Exception {
        assertThat(poll(Duration.ofSeconds(20), () -> server.toolNames().containsAll(
            List.of("shop_getItem", "shop_createItem", "far_getItem")))).isTrue();

        HttpResponse<String> invalid = server.invoke("shop_createItem", AGENT_TOKEN,
            Map.of("body", Map.of("price", -1)));
        assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(422);
        assertThat(json(invalid).path("error").path("code").asText()).isEqualTo("invalid_arguments");
        assertThat(json(invalid).path("error").path("details").path("violations").toString())
            .contains("body/price").contains("body/name");

        HttpResponse<String> missing = server.invoke("shop_getItem", AGENT_TOKEN, Map.of("id", "missing"));
        assertThat(missing.statusCode()).as(missing.body()).isBetween(400, 499);
        JsonNode error = json(missing).path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_error");
        assertThat(error.path("message").asText()).contains("404").contains("no item 'missing'");
        assertThat(missing.body()).doesNotContain("shop-secret-token");

        int before = seen.size();
        HttpResponse<String> far = server.invoke("far_getItem", AGENT_TOKEN, Map.of("id", "1"));
        assertThat(far.statusCode()).as(far.body()).isEqualTo(403);
        JsonNode denial = json(far).path("error");
        assertThat(denial.path("code").asText()).isEqualTo("policy_denied");
        assertThat(denial.path("details").path("guardrail").asText()).isEqualTo("egress");
        assertThat(seen).hasSize(before);
    }

    @Test
    void aServiceAddedEditedAndRemovedAtRunTimeChangesItsTools() throws Exception {
        java.nio.file.Path file = server.config.resolve("cuga.tool.openapi-late.cfg");
        Files.writeString(file, "name = late\nspec = shop.json\nbase.url = http://127.0.0.1:1/api\n"
            + "include = getItem\n", StandardCharsets.UTF_8);
        assertThat(poll(Duration.ofSeconds(20), () -> server.toolNames().contains("late_getItem")))
            .as(server.toolNames().toString()).isTrue();
        assertThat(server.toolNames()).doesNotContain("late_createItem");
        Files.writeString(file, "name = late\nspec = shop.json\nbase.url = http://127.0.0.1:1/api\n"
            + "include = createItem\nrisk = createItem=FINANCIAL\n", StandardCharsets.UTF_8);
        assertThat(poll(Duration.ofSeconds(20), () -> server.toolNames().contains("late_createItem")
            && !server.toolNames().contains("late_getItem"))).as(server.toolNames().toString()).isTrue();
        Files.delete(file);
        assertThat(poll(Duration.ofSeconds(20), () -> server.toolNames().stream().noneMatch(n -> n.startsWith("late_"))))
            .as(server.toolNames().toString()).isTrue();
        assertThat(server.toolNames()).contains("shop_getItem", "shop_createItem");
    }

    @Test
    void aServiceWhoseDocumentIsMissingIsLoggedAndTheOthersWork() throws Exception {
        // the two services are configured apart, in no fixed order: wait for both
        assertThat(poll(Duration.ofSeconds(20), () -> log().contains("OpenAPI service 'gone'")
            && log().contains("OpenAPI service 'shop' from shop.json: 2 tools"))).as(log()).isTrue();
        assertThat(log()).contains("gone.json cannot be read (NoSuchFileException)");
        // and the operators' diagnostics say so
        HttpResponse<String> diagnostics = server.get("/api/v1/tools/diagnostics", CugaServer.ADMIN_TOKEN);
        assertThat(diagnostics.statusCode()).isEqualTo(200);
        assertThat(diagnostics.body()).contains("\"kind\":\"openapi_unusable\"")
            .contains("\"subject\":\"openapi service 'gone'\"").contains("gone.json cannot be read");
    }

    private static String log() {
        try {
            return Files.readString(server.log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
