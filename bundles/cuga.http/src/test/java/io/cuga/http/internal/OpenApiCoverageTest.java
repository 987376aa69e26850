package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The served OpenAPI document and the servlet's routes are the same set, with the same access rules. */
class OpenApiCoverageTest {

    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    static JsonNode document() throws Exception {
        try (InputStream in = ApiServlet.class.getResourceAsStream("openapi.json")) {
            assertThat(in).as("openapi.json next to ApiServlet").isNotNull();
            return Json.MAPPER.readTree(in);
        }
    }

    static Set<String> documented(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<String> keys = path.getValue().fieldNames(); keys.hasNext();) {
                String key = keys.next();
                // operations with x-cuga-servlet are served by another servlet of this bundle (EventStreamTest)
                if (METHODS.contains(key) && !path.getValue().get(key).has("x-cuga-servlet")) {
                    out.add(key.toUpperCase() + " " + path.getKey());
                }
            }
        }
        return out;
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws Exception {
        Set<String> served = new TreeSet<>();
        for (Route route : Route.values()) {
            served.add(route.method() + " " + route.template());
        }
        assertThat(documented(document())).isEqualTo(served);
    }

    @Test
    void documentedSecurityMatchesTheRoutes() throws Exception {
        JsonNode doc = document();
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        for (Route route : Route.values()) {
            JsonNode operation = doc.get("paths").get(route.template()).get(route.method().toLowerCase());
            JsonNode security = operation.get("security");
            if (route.access() == Route.Access.OPEN) {
                assertThat(security).as(route + " is open").isNotNull();
                assertThat(security.isEmpty()).as(route + " is open").isTrue();
            } else {
                assertThat(security).as(route + " uses the default bearer security").isNull();
                String role = route.access() == Route.Access.AUTHENTICATED ? "any" : route.access().role().label();
                assertThat(operation.get("x-cuga-role").asText()).as(route.toString()).isEqualTo(role);
                assertThat(operation.get("responses").has("401")).as(route + " documents 401").isTrue();
            }
        }
    }

    /** The routes each servlet of its own serves, by whiteboard name (x-cuga-servlet). */
    static Map<String, Endpoint[]> families() {
        return Map.of(PolicyServlet.NAME, PolicyServlet.PolicyRoute.values(),
            AuditServlet.NAME, AuditServlet.AuditRoute.values(),
            BudgetServlet.NAME, BudgetServlet.BudgetRoute.values(),
            ApprovalServlet.NAME, ApprovalServlet.ApprovalRoute.values(),
            TaskServlet.NAME, TaskServlet.TaskRoute.values());
    }

    @Test
    void everyServletOfItsOwnServesExactlyItsDocumentedRoutesWithTheirRoles() throws Exception {
        JsonNode doc = document();
        Map<String, Set<String>> documented = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext();) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (METHODS.contains(op.getKey()) && op.getValue().has("x-cuga-servlet")) {
                    String servlet = op.getValue().get("x-cuga-servlet").asText();
                    documented.computeIfAbsent(servlet, k -> new TreeSet<>())
                        .add(op.getKey().toUpperCase() + " " + path.getKey() + " " + op.getValue().get("x-cuga-role")
                            .asText());
                    assertThat(op.getValue().get("responses").has("401")).as(path.getKey()).isTrue();
                    assertThat(op.getValue().get("security")).as(path.getKey()).isNull();
                }
            }
        }
        Map<String, Set<String>> served = new java.util.TreeMap<>();
        served.put(EventStreamServlet.NAME, Set.of("GET " + EventStreamServlet.PATTERN + " admin"));
        families().forEach((name, routes) -> {
            Set<String> out = new TreeSet<>();
            for (Endpoint route : routes) {
                out.add(route.method() + " " + route.template() + " " + route.role().label());
            }
            served.put(name, out);
        });
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void everyInternalReferenceResolves() throws Exception {
        JsonNode doc = document();
        checkRefs(doc, doc);
    }

    private static void checkRefs(JsonNode doc, JsonNode node) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                assertThat(ref.asText()).startsWith("#/");
                assertThat(doc.at(ref.asText().substring(1)).isMissingNode()).as(ref.asText()).isFalse();
            }
            node.elements().forEachRemaining(child -> checkRefs(doc, child));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> checkRefs(doc, child));
        }
    }

    /** Over HTTP: each documented operation reaches a handler (no 404 not_found, no 405). */
    @Test
    void everyDocumentedOperationIsAnsweredByAHandler() throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("CUGA_ADMIN_TOKEN", "admin-t"), null, TokenTable.CONSTANT_TIME);
        ApiServlet servlet = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        servlet.bindDispatcher(new TestDoubles.ScriptedDispatcher());
        servlet.bindToolRegistry(new TestDoubles.FixedRegistry());
        servlet.bindReadinessCheck(new TestDoubles.Check("orchestrator", true));
        servlet.bindReadinessCheck(new TestDoubles.Check("policy", true));
        servlet.bindReadinessCheck(new TestDoubles.Check("store", true));
        try (JettyHarness http = JettyHarness.api(servlet)) {
            for (String operation : documented(document())) {
                String method = operation.substring(0, operation.indexOf(' '));
                String path = operation.substring(operation.indexOf(' ') + 1).replace("{name}", "calculator");
                HttpRequest.Builder request = http.request(path).header("Authorization", "Bearer admin-t")
                    .header("Content-Type", "application/json");
                String body = path.equals("/api/v1/evaluate") ? "{\"tool\":\"calculator\"}" : "{}";
                request.method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
                JettyHarness.Reply reply = http.send(request.build());
                assertThat(reply.status()).as(operation + " -> " + reply).isEqualTo(200);
            }
        }
    }
}
