package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.servlet.Servlet;

/** The policy routes over HTTP, next to the API servlet as the whiteboard maps them. */
class PolicyServletTest {

    static final String ADMIN = "admin-t";
    static final String AGENT = "agent-t";

    final TestPolicies policies = new TestPolicies();
    PolicyServlet servlet;
    JettyHarness http;

    @BeforeEach
    void start() throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("CUGA_ADMIN_TOKEN", ADMIN, "AGENT_TOKEN", AGENT), null, TokenTable.CONSTANT_TIME);
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        api.bindToolRegistry(new TestDoubles.FixedRegistry());
        servlet = new PolicyServlet(auth, Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", 2048L)));
        servlet.bindPolicyAdmin(policies);
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(servlet, new String[] {PolicyServlet.BASE, PolicyServlet.BASE + "/*"});
        http = new JettyHarness(servlets);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    JettyHarness.Reply put(String path, String contentType, String body) throws Exception {
        return http.send(http.request(path).header("Authorization", "Bearer " + ADMIN).header("Content-Type",
            contentType).PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void everyRouteNeedsAnAdminToken() throws Exception {
        JettyHarness.Reply none = http.get("/api/v1/policies");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"cuga\"");
        JettyHarness.Reply agent = http.get("/api/v1/policies/default", "Authorization", "Bearer " + AGENT);
        assertThat(agent.status()).isEqualTo(403);
        assertThat(agent.json().at("/error/details/requiredRole").asText()).isEqualTo("admin");
        assertThat(http.postJson("/api/v1/policies/default/rollback", "{\"version\":1}", "Authorization",
            "Bearer " + AGENT).status()).isEqualTo(403);
        assertThat(policies.calls).isEmpty();
    }

    @Test
    void listsActivePoliciesAndRefusals() throws Exception {
        JettyHarness.Reply reply = http.get("/api/v1/policies", "Authorization", "Bearer " + ADMIN);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.at("/policies/0/profile").asText()).isEqualTo("default");
        assertThat(body.at("/policies/0/version").asLong()).isEqualTo(1);
        assertThat(body.at("/policies/0/digest").asText()).startsWith("sha256:");
        assertThat(body.at("/policies/0/author").asText()).isEqualTo("file");
        assertThat(body.at("/policies/0/source").asText()).isEqualTo("policies/default.yaml");
        assertThat(body.at("/policies/0/activatedAt").asText()).isEqualTo("2026-11-27T12:00:01Z");
        assertThat(body.at("/policies/0/guardrails/0").asText()).isEqualTo("allowlist");
        assertThat(body.at("/policies/0").has("document")).isFalse();
        assertThat(body.at("/policies")).hasSize(1);
        assertThat(body.at("/refusals/0/profile").asText()).isEqualTo("ops");
        assertThat(body.at("/refusals/0/line").asInt()).isEqualTo(2);
        assertThat(body.at("/refusals/0/column").asInt()).isEqualTo(25);
        assertThat(body.at("/refusals/0/path").asText()).isEqualTo("/guardrails/1");
    }

    @Test
    void showsOneProfileWithItsEffectiveDocumentAndItsRefusal() throws Exception {
        JsonNode active = http.get("/api/v1/policies/default", "Authorization", "Bearer " + ADMIN).json();
        assertThat(active.at("/active/document/allowlist/allow/0").asText()).isEqualTo("calculator");
        assertThat(active.get("lastRefusal").isNull()).isTrue();
        JsonNode refused = http.get("/api/v1/policies/ops", "Authorization", "Bearer " + ADMIN).json();
        assertThat(refused.get("active").isNull()).isTrue();
        assertThat(refused.at("/lastRefusal/file").asText()).isEqualTo("policies/ops.yaml");
        assertThat(refused.at("/lastRefusal/message").asText()).isEqualTo("guardrail type 'egress' is not installed");

        JettyHarness.Reply unknown = http.get("/api/v1/policies/nobody", "Authorization", "Bearer " + ADMIN);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/error/code").asText()).isEqualTo("policy_not_found");
        assertThat(http.get("/api/v1/policies/a%20b", "Authorization", "Bearer " + ADMIN).json()
            .at("/error/code").asText()).isEqualTo("invalid_profile");
    }

    @Test
    void putActivatesAValidDocumentAsTheCaller() throws Exception {
        String yaml = "profile: default\nguardrails: [allowlist]\n";
        JettyHarness.Reply reply = put("/api/v1/policies/default", "application/yaml", yaml);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("version").asLong()).isEqualTo(2);
        assertThat(reply.json().get("author").asText()).isEqualTo("admin");
        assertThat(reply.json().get("source").asText()).isEqualTo("api");
        assertThat(reply.json().at("/document/profile").asText()).isEqualTo("default");
        assertThat(policies.calls).containsExactly("put default by admin: " + yaml);
        assertThat(put("/api/v1/policies/default", "text/yaml; charset=UTF-8", yaml).status()).isEqualTo(200);
    }

    @Test
    void anInvalidDocumentIs422WithItsLineAndColumn() throws Exception {
        JettyHarness.Reply reply = put("/api/v1/policies/default", "application/yaml", "invalid: true\n");
        assertThat(reply.status()).isEqualTo(422);
        JsonNode error = reply.json().get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_policy");
        assertThat(error.get("message").asText()).isEqualTo("policies/default.yaml:3:5: /allowlist/allow: must be a "
            + "list");
        assertThat(error.at("/details/line").asInt()).isEqualTo(3);
        assertThat(error.at("/details/column").asInt()).isEqualTo(5);
        assertThat(error.at("/details/path").asText()).isEqualTo("/allowlist/allow");
        assertThat(error.at("/details/file").asText()).isEqualTo("policies/default.yaml");
    }

    @Test
    void putRefusesOtherMediaTypesLargeBodiesAndReportsAFailedWrite() throws Exception {
        JettyHarness.Reply json = put("/api/v1/policies/default", "application/json", "{}");
        assertThat(json.status()).isEqualTo(415);
        assertThat(put("/api/v1/policies/default", "application/yaml; charset=latin1", "x").status()).isEqualTo(415);
        JettyHarness.Reply big = put("/api/v1/policies/default", "application/yaml", "#".repeat(3000));
        assertThat(big.status()).isEqualTo(413);
        JettyHarness.Reply unwritable = put("/api/v1/policies/default", "application/yaml", "unwritable: 1\n");
        assertThat(unwritable.status()).isEqualTo(500);
        assertThat(unwritable.json().at("/error/code").asText()).isEqualTo("policy_write_failed");
        assertThat(unwritable.text()).doesNotContain("at io.cuga");
    }

    @Test
    void historyAndRollback() throws Exception {
        put("/api/v1/policies/default", "application/yaml", "profile: default\n");
        JsonNode history = http.get("/api/v1/policies/default/history", "Authorization", "Bearer " + ADMIN).json();
        assertThat(history.at("/versions/0/version").asLong()).isEqualTo(2);
        assertThat(history.at("/versions/0/active").asBoolean()).isTrue();
        assertThat(history.at("/versions/1/version").asLong()).isEqualTo(1);
        assertThat(history.at("/versions/1/active").asBoolean()).isFalse();
        assertThat(history.at("/versions/1/author").asText()).isEqualTo("file");

        JettyHarness.Reply rolled = http.postJson("/api/v1/policies/default/rollback", "{\"version\": 1}",
            "Authorization", "Bearer " + ADMIN);
        assertThat(rolled.status()).isEqualTo(200);
        assertThat(rolled.json().get("version").asLong()).isEqualTo(3);
        assertThat(policies.calls).contains("rollback default to 1 by admin");
        assertThat(http.get("/api/v1/policies/default/history", "Authorization", "Bearer " + ADMIN).json()
            .at("/versions/0/note").asText()).isEqualTo("rollback to v1");

        JettyHarness.Reply missing = http.postJson("/api/v1/policies/default/rollback", "{\"version\": 42}",
            "Authorization", "Bearer " + ADMIN);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().at("/error/code").asText()).isEqualTo("version_not_found");
        for (String bad : new String[] {"{}", "{\"version\": \"1\"}", "{\"version\": 0}", "{\"version\": 1, \"x\": 2}",
            "[1]"}) {
            assertThat(http.postJson("/api/v1/policies/default/rollback", bad, "Authorization", "Bearer " + ADMIN)
                .status()).as(bad).isEqualTo(400);
        }
        assertThat(http.postJson("/api/v1/policies/default/rollback", "{\"version\":", "Authorization",
            "Bearer " + ADMIN).json().at("/error/code").asText()).isEqualTo("malformed_json");
        assertThat(http.get("/api/v1/policies/nobody/history", "Authorization", "Bearer " + ADMIN).status())
            .isEqualTo(404);
    }

    @Test
    void unknownPathsAndMethodsAreJsonErrorsAndTheApiStillAnswersItsOwnRoutes() throws Exception {
        JettyHarness.Reply deep = http.get("/api/v1/policies/default/other", "Authorization", "Bearer " + ADMIN);
        assertThat(deep.status()).isEqualTo(404);
        assertThat(deep.json().at("/error/code").asText()).isEqualTo("not_found");
        JettyHarness.Reply delete = http.send(http.request("/api/v1/policies/default").header("Authorization",
            "Bearer " + ADMIN).DELETE().build());
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.header("Allow")).isEqualTo("GET, PUT");
        assertThat(http.get("/api/v1/tools", "Authorization", "Bearer " + ADMIN).status()).isEqualTo(200);
    }

    @Test
    void withoutTheLoaderTheRoutesAnswer503() throws Exception {
        servlet.unbindPolicyAdmin(policies);
        JettyHarness.Reply reply = http.get("/api/v1/policies", "Authorization", "Bearer " + ADMIN);
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().at("/error/code").asText()).isEqualTo("unavailable");
    }

    @Test
    void theOpenApiDocumentListsExactlyTheseRoutesAsAdminRoutesOfThisServlet() throws Exception {
        JsonNode doc = OpenApiCoverageTest.document();
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext();) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (OpenApiCoverageTest.METHODS.contains(op.getKey())
                    && PolicyServlet.NAME.equals(op.getValue().path("x-cuga-servlet").asText())) {
                    documented.add(op.getKey().toUpperCase() + " " + path.getKey());
                    assertThat(op.getValue().get("x-cuga-role").asText()).isEqualTo("admin");
                    assertThat(op.getValue().get("responses").has("401")).isTrue();
                    assertThat(op.getValue().get("security")).isNull();
                }
            }
        }
        Set<String> served = new TreeSet<>();
        for (PolicyServlet.PolicyRoute route : PolicyServlet.PolicyRoute.values()) {
            served.add(route.method() + " " + route.template());
        }
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void yamlMediaTypes() {
        assertThat(PolicyServlet.isYaml("application/yaml")).isTrue();
        assertThat(PolicyServlet.isYaml("text/yaml;charset=utf-8")).isTrue();
        assertThat(PolicyServlet.isYaml("application/x-yaml")).isTrue();
        assertThat(PolicyServlet.isYaml("application/json")).isFalse();
        assertThat(PolicyServlet.isYaml("text/yaml; charset=iso-8859-1")).isFalse();
        assertThat(PolicyServlet.isYaml(null)).isFalse();
    }
}
