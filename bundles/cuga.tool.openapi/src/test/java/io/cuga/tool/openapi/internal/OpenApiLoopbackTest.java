package io.cuga.tool.openapi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.ToolException;
import io.cuga.guardrail.egress.internal.EgressFixture;

/**
 * The whole path against a real HTTP service on loopback, under the real egress guardrail: the document is fetched
 * from the service (through egress), the tools are built from it, and calls reach the service.
 */
class OpenApiLoopbackTest {

    private ItemsServer server;
    private EgressGuard loopback;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        server = new ItemsServer();
        loopback = EgressFixture.guard("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Map<String, OperationTool> tools(OpenApiService.Loaded loaded) {
        return loaded.tools().stream().collect(Collectors.toMap(t -> t.operation().toolName(), Function.identity()));
    }

    private static Object call(OperationTool tool, Object... keysAndValues) throws ToolException {
        Map<String, Object> args = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            args.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return tool.invoke(new TestCall(tool.operation().toolName(), args));
    }

    @Test
    void aDocumentFetchedThroughEgressBecomesToolsThatCallTheService() throws Exception {
        OpenApiService.Loaded loaded = OpenApiService.load(Configs.of("name", "items", "spec",
            server.base() + "/openapi.json", "auth", "bearer", "auth_token", "tok-123456", "max_response_bytes", 1000L),
            dir, dir, loopback);
        assertThat(loaded.baseUrl()).isEqualTo(server.base() + "/api");
        assertThat(loaded.problems()).isEmpty();
        Map<String, OperationTool> tools = tools(loaded);
        assertThat(tools).containsOnlyKeys("items_listItems", "items_createItem", "items_getItem", "items_deleteItem",
            "items_whoami", "items_broken", "items_big", "items_greeting");

        assertThat(call(tools.get("items_getItem"), "id", "a b/ü", "X-Request-Id", "r-9"))
            .isEqualTo(Map.of("id", "a b/ü", "rawPath", "/api/items/a%20b%2F%C3%BC", "requestId", "r-9"));
        assertThat(call(tools.get("items_listItems"), "tag", List.of("red", "blue & green"), "limit", 5))
            .isEqualTo(Map.of("query", "tag=red&tag=blue%20%26%20green&limit=5"));
        assertThat(call(tools.get("items_createItem"), "body", Map.of("name", "lamp", "tags", List.of("home"))))
            .isEqualTo(Map.of("received", Map.of("name", "lamp", "tags", List.of("home")),
                "contentType", "application/json; charset=UTF-8", "id", "i-1"));
        assertThat(call(tools.get("items_deleteItem"), "id", "i-1")).isNull();
        assertThat(call(tools.get("items_greeting"))).isEqualTo("hello");
        assertThat(call(tools.get("items_whoami"))).asInstanceOf(
            org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("authorization", "Bearer tok-123456");
        assertThat(server.requests).contains("GET /openapi.json", "DELETE /api/items/i-1");
    }

    @Test
    void errorStatusesBecomeToolErrorsWithAnExcerptAndNoCredential() throws Exception {
        Map<String, OperationTool> tools = tools(OpenApiService.load(Configs.of("name", "items", "spec",
            server.base() + "/openapi.json", "auth", "bearer", "auth_token", "tok-123456", "max_response_bytes", 1000L),
            dir, dir, loopback));
        ToolException missing = catchThrowableOfType(ToolException.class, () -> call(tools.get("items_getItem"),
            "id", "missing"));
        assertThat(missing.code()).isEqualTo("upstream_error");
        assertThat(missing.getMessage()).isEqualTo("GET /items/{id} answered 404: {\"message\":\"no such item\"}");
        ToolException broken = catchThrowableOfType(ToolException.class, () -> call(tools.get("items_broken")));
        assertThat(broken.getMessage()).startsWith("GET /broken answered 500: internal error")
            .contains("Bearer REDACTED").doesNotContain("tok-123456");
        ToolException big = catchThrowableOfType(ToolException.class, () -> call(tools.get("items_big")));
        assertThat(big.code()).isEqualTo("response_too_large");
        assertThat(big.getMessage()).contains("1000 bytes");
    }

    @Test
    void anApiKeyFromAFileIsSentInItsHeader() throws Exception {
        Files.writeString(dir.resolve("items.key"), "key-from-file\n");
        Map<String, OperationTool> tools = tools(OpenApiService.load(Configs.of("name", "items", "spec",
            server.base() + "/openapi.json", "auth", "api_key", "auth_header", "X-API-Key", "auth_token_file",
            "items.key"), dir, dir, loopback));
        @SuppressWarnings("unchecked")
        Map<String, Object> who = (Map<String, Object>) call(tools.get("items_whoami"));
        assertThat(who.get("apiKey")).isEqualTo("key-from-file");
        assertThat(who.get("authorization")).isNull();
    }

    @Test
    void egressThatDoesNotAllowTheHostStopsTheFetchAndEveryCall() throws Exception {
        EgressGuard elsewhere = EgressFixture.guard("schemes", List.of("http", "https"), "allow_cidrs", List.of("10.0.0.0/8"));
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "items", "spec",
            server.base() + "/openapi.json"), dir, dir, elsewhere))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("spec cannot be fetched: egress denied by rule 'domain_not_allowed'");
        EgressGuard httpsOnly = EgressFixture.guard("schemes", List.of("https"), "allow_cidrs", List.of("127.0.0.0/8"));
        Files.copy(OpenApiLoopbackTest.class.getResourceAsStream("/items.json"), dir.resolve("items.json"));
        Map<String, OperationTool> tools = tools(OpenApiService.load(Configs.of("name", "items", "spec", "items.json",
            "base_url", server.base() + "/api"), dir, dir, httpsOnly));
        ToolException denied = catchThrowableOfType(ToolException.class, () -> call(tools.get("items_getItem"),
            "id", "1"));
        assertThat(denied.code()).isEqualTo("egress_denied");
        assertThat(denied.getMessage()).contains("scheme_not_allowed");
        assertThat(server.requests).isEmpty();
    }

    @Test
    void aDocumentThatCannotBeUsedIsAClearError() throws Exception {
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "items", "spec", "nowhere.yaml"), dir,
            dir, loopback)).hasMessageContaining("nowhere.yaml cannot be read (NoSuchFileException)");
        Files.copy(OpenApiLoopbackTest.class.getResourceAsStream("/items.json"), dir.resolve("items.json"));
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "items", "spec", "items.json"), dir,
            dir, loopback)).hasMessageContaining("the server URL '/api' is relative: set base.url");
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "items", "spec",
            server.base() + "/nothing.json"), dir, dir, loopback)).hasMessageContaining("answered 404");
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "bad name", "spec", "items.json"), dir,
            dir, loopback)).hasMessageContaining("name 'bad name' must match");
        assertThatThrownBy(() -> OpenApiService.load(Configs.of("name", "items", "spec", "items.json", "base_url",
            "http://127.0.0.1:1/api", "auth", "bearer", "auth_token_env", "CUGA_TEST_UNSET_VARIABLE"), dir, dir,
            loopback))
            .hasMessageContaining("CUGA_TEST_UNSET_VARIABLE is not set");
    }
}
