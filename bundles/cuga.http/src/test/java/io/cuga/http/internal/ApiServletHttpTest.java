package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;

/** The API as a client sees it, served by a real Jetty 12. */
class ApiServletHttpTest {

    static final String AGENT = "agent-token-0123456789abcdef";
    static final String APPROVER = "approver-token-0123456789abcdef";
    static final String ADMIN = "admin-token-0123456789abcdef";
    static final String ALICE = "alice-token-0123456789abcdef";
    static final String OPS = "ops-token-0123456789abcdef";

    TestDoubles.ScriptedDispatcher dispatcher;
    TestDoubles.FixedRegistry registry;
    TokenAuthenticator authenticator;
    ApiServlet servlet;
    JettyHarness http;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> env = Map.of("AGENT_TOKEN", AGENT, "CUGA_APPROVER_TOKEN", APPROVER,
            "CUGA_ADMIN_TOKEN", ADMIN);
        authenticator = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class, Map.of("tokens",
            new String[] {"alice:agent:finance:sha256:" + TokenTable.sha256Hex(ALICE) + ", ops:agent:*:sha256:"
                + TokenTable.sha256Hex(OPS)})), env, null, TokenTable.CONSTANT_TIME);
        servlet = new ApiServlet(authenticator, Configs.defaults(ApiServlet.Config.class));
        dispatcher = new TestDoubles.ScriptedDispatcher();
        registry = new TestDoubles.FixedRegistry();
        servlet.bindDispatcher(dispatcher);
        servlet.bindToolRegistry(registry);
        http = JettyHarness.api(servlet);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    static void assertError(JettyHarness.Reply reply, int status, String code) throws Exception {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        JsonNode error = reply.json().get("error");
        assertThat(error).as(reply.toString()).isNotNull();
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").isTextual()).isTrue();
        assertThat(error.get("details").isObject()).isTrue();
    }

    String invokeBody(String expression) {
        return "{\"arguments\":{\"expression\":\"" + expression + "\"}}";
    }

    @Nested
    class OpenRoutes {

        @Test
        void healthIsUpWithoutToken() throws Exception {
            JettyHarness.Reply reply = http.get("/health");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo("{\"status\":\"UP\"}");
            assertThat(reply.header("Content-Type")).isEqualToIgnoringCase("application/json;charset=utf-8");
        }

        @Test
        void aBadTokenIsIgnoredOnOpenRoutes() throws Exception {
            assertThat(http.get("/health", bearer("nonsense")).status()).isEqualTo(200);
            assertThat(http.get("/api/v1/openapi.json", bearer("nonsense")).status()).isEqualTo(200);
            assertThat(http.get("/ready", "Authorization", "Basic Zm9vOmJhcg==").status()).isEqualTo(503);
        }

        @Test
        void healthStaysUpWithoutTheOrchestrator() throws Exception {
            servlet.unbindDispatcher(dispatcher);
            servlet.unbindToolRegistry(registry);
            assertThat(http.get("/health").status()).isEqualTo(200);
            assertError(http.get("/api/v1/tools", bearer(AGENT)), 503, "unavailable");
            assertError(http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT)), 503, "unavailable");
        }

        @Test
        void openApiDocumentIsServed() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/openapi.json");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("openapi").asText()).isEqualTo("3.1.0");
            assertThat(reply.json().get("paths").has("/api/v1/tools/{name}/invoke")).isTrue();
        }
    }

    @Nested
    class Readiness {

        @Test
        void byDefaultTheOrchestratorThePolicyAndTheStoreChecksAreRequired() throws Exception {
            servlet.modified(Configs.defaults(ApiServlet.Config.class));
            servlet.bindReadinessCheck(new TestDoubles.Check("orchestrator", true));
            JettyHarness.Reply reply = http.get("/ready");
            assertThat(reply.status()).isEqualTo(503);
            assertThat(reply.text()).contains("no readiness check named 'policy'")
                .contains("no readiness check named 'store'");
            servlet.bindReadinessCheck(new TestDoubles.Check("policy", true));
            JettyHarness.Reply noStore = http.get("/ready");
            assertThat(noStore.status()).isEqualTo(503);
            assertThat(noStore.text()).contains("no readiness check named 'store'")
                .doesNotContain("named 'policy'");
            TestDoubles.Check store = new TestDoubles.Check("store", false);
            servlet.bindReadinessCheck(store);
            assertThat(http.get("/ready").status()).isEqualTo(503);
            store.ready = true;
            assertThat(http.get("/ready").status()).isEqualTo(200);
        }

        /** The other readiness tests are about one required check: the orchestrator's. */
        @org.junit.jupiter.api.BeforeEach
        void onlyTheOrchestratorRequired() {
            servlet.modified(Configs.of(ApiServlet.Config.class,
                Map.of("required_checks", new String[] {"orchestrator"})));
        }

        @Test
        void notReadyWithoutAnOrchestratorCheck() throws Exception {
            servlet.bindReadinessCheck(new TestDoubles.Check("store", true));
            JettyHarness.Reply reply = http.get("/ready");
            assertThat(reply.status()).isEqualTo(503);
            JsonNode body = reply.json();
            assertThat(body.get("status").asText()).isEqualTo("NOT_READY");
            assertThat(body.get("checks")).hasSize(2);
            JsonNode orchestrator = body.get("checks").get(0);
            assertThat(orchestrator.get("name").asText()).isEqualTo("orchestrator");
            assertThat(orchestrator.get("ready").asBoolean()).isFalse();
            assertThat(orchestrator.get("detail").asText()).contains("no readiness check named 'orchestrator'");
        }

        @Test
        void readyWhenEveryCheckIsReady() throws Exception {
            TestDoubles.Check orchestrator = new TestDoubles.Check("orchestrator", true);
            TestDoubles.Check store = new TestDoubles.Check("store", true);
            servlet.bindReadinessCheck(orchestrator);
            servlet.bindReadinessCheck(store);
            JettyHarness.Reply reply = http.get("/ready");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("status").asText()).isEqualTo("READY");
            assertThat(reply.json().get("checks").get(1).get("detail").asText()).isEqualTo("store is up");

            store.ready = false;
            reply = http.get("/ready");
            assertThat(reply.status()).isEqualTo(503);
            assertThat(reply.json().get("status").asText()).isEqualTo("NOT_READY");
            assertThat(reply.json().get("checks").get(1).get("ready").asBoolean()).isFalse();

            store.ready = true;
            assertThat(http.get("/ready").status()).isEqualTo(200);
            servlet.unbindReadinessCheck(orchestrator);
            assertThat(http.get("/ready").status()).isEqualTo(503);
        }

        @Test
        void aCheckThatThrowsCountsAsNotReady() throws Exception {
            servlet.bindReadinessCheck(new TestDoubles.Check("orchestrator", true));
            TestDoubles.Check broken = new TestDoubles.Check("policy", true);
            broken.failure = new IllegalStateException("secret internals");
            servlet.bindReadinessCheck(broken);
            JettyHarness.Reply reply = http.get("/ready");
            assertThat(reply.status()).isEqualTo(503);
            JsonNode policy = reply.json().get("checks").get(1);
            assertThat(policy.get("name").asText()).isEqualTo("policy");
            assertThat(policy.get("ready").asBoolean()).isFalse();
            assertThat(policy.get("detail").asText()).isEqualTo("the check failed: IllegalStateException");
            assertThat(reply.text()).doesNotContain("secret internals");
        }

        @Test
        void requiredChecksAreConfigurable() throws Exception {
            servlet.modified(Configs.of(ApiServlet.Config.class,
                Map.of("required_checks", new String[] {"orchestrator", "store"})));
            servlet.bindReadinessCheck(new TestDoubles.Check("orchestrator", true));
            assertThat(http.get("/ready").status()).isEqualTo(503);
            servlet.bindReadinessCheck(new TestDoubles.Check("store", true));
            assertThat(http.get("/ready").status()).isEqualTo(200);
        }
    }

    @Nested
    class Routing {

        @ParameterizedTest
        @ValueSource(strings = {"/nope", "/api/v1/nope", "/api/v1/tools/", "/api/v1/tools/calculator",
            "/api/v1/tools/calculator/invoke/more", "/api/v2/tools", "/healthz", "/api/v1"})
        void unknownRoutesAreJson404(String path) throws Exception {
            JettyHarness.Reply reply = http.get(path, bearer(ADMIN));
            assertError(reply, 404, "not_found");
            assertThat(reply.json().get("error").get("details").get("path").asText()).isEqualTo(path);
            assertThat(reply.header("traceparent")).isNotNull();
        }

        @Test
        void wrongMethodIs405WithAllow() throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools", "{}", bearer(AGENT));
            assertError(reply, 405, "method_not_allowed");
            assertThat(reply.header("Allow")).isEqualTo("GET");

            reply = http.get("/api/v1/tools/calculator/invoke", bearer(AGENT));
            assertError(reply, 405, "method_not_allowed");
            assertThat(reply.header("Allow")).isEqualTo("POST");

            reply = http.send(http.request("/health").DELETE().build());
            assertError(reply, 405, "method_not_allowed");
            assertThat(reply.header("Allow")).isEqualTo("GET");
            assertThat(reply.json().get("error").get("details").get("allowed").get(0).asText()).isEqualTo("GET");
        }

        @Test
        void aToolNamedDiagnosticsIsStillInvocable() throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/diagnostics/invoke", "{}", bearer(AGENT));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(dispatcher.last().tool()).isEqualTo("diagnostics");
        }
    }

    @Nested
    class Auth {

        @Test
        void missingTokenIs401WithChallenge() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools");
            assertError(reply, 401, "unauthorized");
            assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
        }

        @ParameterizedTest
        @ValueSource(strings = {"Bearer wrong-token", "Bearer ", "Basic YWdlbnQ6c2VjcmV0", "Token " + AGENT,
            "Bearer " + AGENT + "x", AGENT})
        void badTokenIs401(String authorization) throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools", "Authorization", authorization);
            assertError(reply, 401, "unauthorized");
            assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(dispatcher.requests).isEmpty();
        }

        @Test
        void bearerSchemeIsCaseInsensitive() throws Exception {
            assertThat(http.get("/api/v1/tools", "Authorization", "bearer " + AGENT).status()).isEqualTo(200);
        }

        @Test
        void rolesFollowAgentApproverAdmin() throws Exception {
            for (String token : List.of(AGENT, APPROVER, ADMIN, ALICE)) {
                assertThat(http.get("/api/v1/tools", bearer(token)).status()).as(token).isEqualTo(200);
                assertThat(http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(token)).status())
                    .as(token).isEqualTo(200);
            }
            for (String token : List.of(AGENT, APPROVER, ALICE)) {
                JettyHarness.Reply reply = http.get("/api/v1/tools/diagnostics", bearer(token));
                assertError(reply, 403, "forbidden");
                assertThat(reply.json().get("error").get("details").get("requiredRole").asText()).isEqualTo("admin");
            }
            assertThat(http.get("/api/v1/tools/diagnostics", bearer(ADMIN)).status()).isEqualTo(200);
        }

        @Test
        void whoamiNamesTheCaller() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/whoami", bearer(AGENT));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("principal").asText()).isEqualTo("agent");
            assertThat(reply.json().get("role").asText()).isEqualTo("agent");
            assertThat(reply.json().get("profile").asText()).isEqualTo("default");
            assertThat(reply.json().get("source").asText()).isEqualTo("env:AGENT_TOKEN");

            reply = http.get("/api/v1/whoami", bearer(ALICE));
            assertThat(reply.json().get("principal").asText()).isEqualTo("alice");
            assertThat(reply.json().get("profile").asText()).isEqualTo("finance");
            assertThat(reply.json().get("source").asText()).isEqualTo("cuga.auth#1");
            assertThat(reply.text()).doesNotContain(ALICE).doesNotContain(TokenTable.sha256Hex(ALICE));

            assertError(http.get("/api/v1/whoami"), 401, "unauthorized");
        }

        @Test
        void tokenConfigurationChangesApplyWithoutRestart() throws Exception {
            String bob = "bob-token-0123456789abcdef";
            assertError(http.get("/api/v1/whoami", bearer(bob)), 401, "unauthorized");
            authenticator.modified(Configs.of(TokenAuthenticator.Config.class,
                Map.of("tokens", new String[] {"bob:admin:*:sha256:" + TokenTable.sha256Hex(bob)})));
            JettyHarness.Reply reply = http.get("/api/v1/tools/diagnostics", bearer(bob));
            assertThat(reply.status()).isEqualTo(200);
            assertError(http.get("/api/v1/whoami", bearer(ALICE)), 401, "unauthorized");
            assertThat(http.get("/api/v1/whoami", bearer(AGENT)).status()).isEqualTo(200);
        }
    }

    @Nested
    class Profiles {

        @Test
        void theTokensProfileIsTheDefault() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools", bearer(ALICE));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("tools")).hasSize(2);
            assertThat(registry.askedProfiles).containsExactly("finance");

            http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(ALICE));
            assertThat(dispatcher.last().profile()).isEqualTo("finance");
            assertThat(dispatcher.last().caller()).isEqualTo("alice");
        }

        @Test
        void aBoundTokenMayNotChooseAnotherProfile() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools", "Authorization", "Bearer " + ALICE,
                "X-Cuga-Profile", "default");
            assertError(reply, 403, "forbidden");
            assertThat(reply.json().get("error").get("details").get("profile").asText()).isEqualTo("default");
            assertError(http.postJson("/api/v1/tools/calculator/invoke", "{}", "Authorization", "Bearer " + AGENT,
                "X-Cuga-Profile", "finance"), 403, "forbidden");
            assertThat(dispatcher.requests).isEmpty();
            assertThat(http.get("/api/v1/tools", "Authorization", "Bearer " + ALICE, "X-Cuga-Profile", "finance")
                .status()).isEqualTo(200);
        }

        @Test
        void aWildcardTokenChoosesAnyProfile() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/whoami", bearer(OPS));
            assertThat(reply.json().get("profile").asText()).isEqualTo("default");
            reply = http.get("/api/v1/tools", "Authorization", "Bearer " + OPS, "X-Cuga-Profile", "finance");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("tools")).hasSize(2);
            http.postJson("/api/v1/tools/wire_money/invoke", "{}", "Authorization", "Bearer " + OPS,
                "X-Cuga-Profile", "finance");
            assertThat(dispatcher.last().profile()).isEqualTo("finance");
        }

        @ParameterizedTest
        @ValueSource(strings = {"fin ance", "fin/ance", "a:b", "*",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
        void anInvalidProfileHeaderIs400(String profile) throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools", "Authorization", "Bearer " + OPS,
                "X-Cuga-Profile", profile);
            assertError(reply, 400, "invalid_header");
            assertThat(reply.json().get("error").get("details").get("header").asText()).isEqualTo("X-Cuga-Profile");
        }

        @Test
        void theSessionHeaderReachesTheDispatcher() throws Exception {
            http.postJson("/api/v1/tools/calculator/invoke", "{}", "Authorization", "Bearer " + AGENT,
                "X-Cuga-Session", "run-42:step.1_a");
            assertThat(dispatcher.last().session()).isEqualTo("run-42:step.1_a");
            http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertThat(dispatcher.last().session()).isEmpty();
            http.postJson("/api/v1/tools/calculator/invoke", "{}", "Authorization", "Bearer " + AGENT,
                "X-Cuga-Session", "s".repeat(128));
            assertThat(dispatcher.last().session()).hasSize(128);
        }

        @ParameterizedTest
        @ValueSource(strings = {"has space", "semi;colon", "slash/", "\u00e9t\u00e9"})
        void anInvalidSessionIs400(String session) throws Exception {
            HttpRequest request = http.request("/api/v1/tools/calculator/invoke")
                .header("Authorization", "Bearer " + AGENT).header("Content-Type", "application/json")
                .header("X-Cuga-Session", session).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertError(http.send(request), 400, "invalid_header");
            assertThat(dispatcher.requests).isEmpty();
        }

        @Test
        void aSessionOver128CharactersIs400() throws Exception {
            assertError(http.postJson("/api/v1/tools/calculator/invoke", "{}", "Authorization", "Bearer " + AGENT,
                "X-Cuga-Session", "s".repeat(129)), 400, "invalid_header");
        }
    }

    @Nested
    class Tools {

        @Test
        void listsVisibleToolsWithSchemaAsObject() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools", bearer(AGENT));
            assertThat(reply.status()).isEqualTo(200);
            JsonNode tools = reply.json().get("tools");
            assertThat(tools).hasSize(1);
            JsonNode calculator = tools.get(0);
            assertThat(calculator.get("name").asText()).isEqualTo("calculator");
            assertThat(calculator.get("description").asText()).isEqualTo("Evaluates arithmetic");
            assertThat(calculator.get("inputSchema").isObject()).isTrue();
            assertThat(calculator.get("inputSchema").get("required").get(0).asText()).isEqualTo("expression");
            assertThat(calculator.get("risk").asText()).isEqualTo("READ");
            assertThat(calculator.get("bundle").asText()).isEqualTo("cuga.tool.calculator");
            assertThat(calculator.get("bundleVersion").asText()).isEqualTo("1.0.0");
            assertThat(registry.askedProfiles).containsExactly("default");
        }

        @Test
        void diagnosticsShowEveryToolAndProblem() throws Exception {
            JettyHarness.Reply reply = http.get("/api/v1/tools/diagnostics", bearer(ADMIN));
            assertThat(reply.status()).isEqualTo(200);
            JsonNode tools = reply.json().get("tools");
            assertThat(tools).hasSize(3);
            assertThat(tools.get(0).get("state").asText()).isEqualTo("REFUSED");
            assertThat(tools.get(0).get("reason").asText()).contains("tool name must match");
            assertThat(tools.get(0).has("inputSchema")).isFalse();
            assertThat(tools.get(2).get("state").asText()).isEqualTo("HIDDEN");
            assertThat(tools.get(2).get("risk").asText()).isEqualTo("FINANCIAL");
            JsonNode diagnostic = reply.json().get("diagnostics").get(0);
            assertThat(diagnostic.get("kind").asText()).isEqualTo("bundle_unresolved");
            assertThat(diagnostic.get("subject").asText()).isEqualTo("cuga.tool.broken 0.1.0");
            assertThat(diagnostic.get("at").asText()).isEqualTo("2026-11-27T10:15:30Z");
        }
    }

    @Nested
    class Invoke {

        @Test
        void okCarriesResultDecisionAndCallId() throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", invokeBody("1+2"),
                bearer(AGENT));
            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("result").get("value").asInt()).isEqualTo(3);
            assertThat(body.get("decision").get("verdict").asText()).isEqualTo("ALLOW");
            assertThat(body.get("decision").has("guardrail")).isTrue();
            assertThat(body.get("callId").asText()).isEqualTo("call-1");
            CallRequest request = dispatcher.last();
            assertThat(request.tool()).isEqualTo("calculator");
            assertThat(request.arguments()).isEqualTo(Map.of("expression", "1+2"));
            assertThat(request.caller()).isEqualTo("agent");
            assertThat(request.profile()).isEqualTo("default");
            assertThat(request.traceId()).hasSize(32);
        }

        @Test
        void argumentsAreOptional() throws Exception {
            assertThat(http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT)).status()).isEqualTo(200);
            assertThat(dispatcher.last().arguments()).isEmpty();
            assertThat(http.postJson("/api/v1/tools/calculator/invoke", "", bearer(AGENT)).status()).isEqualTo(200);
            assertThat(dispatcher.last().arguments()).isEmpty();
        }

        @Test
        void nestedArgumentsKeepTheirJsonTypes() throws Exception {
            http.postJson("/api/v1/tools/calculator/invoke",
                "{\"arguments\":{\"n\":7,\"x\":1.5,\"ok\":true,\"none\":null,\"list\":[1,\"a\"],\"obj\":{\"k\":\"v\"},"
                    + "\"text\":\"caf\u00e9 \u2713\"}}", bearer(AGENT));
            Map<String, Object> args = dispatcher.last().arguments();
            assertThat(args.get("n")).isEqualTo(7);
            assertThat(args.get("x")).isEqualTo(1.5);
            assertThat(args.get("ok")).isEqualTo(true);
            assertThat(args).containsEntry("none", null);
            assertThat(args.get("list")).isEqualTo(List.of(1, "a"));
            assertThat(args.get("obj")).isEqualTo(Map.of("k", "v"));
            assertThat(args.get("text")).isEqualTo("caf\u00e9 \u2713");
        }

        @Test
        void deniedNamesGuardrailRuleAndReason() throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.DENIED, "denied",
                "wire_money is not allowlisted", Map.of("policy", "default@3"),
                Decision.deny("allowlist", "tools.deny[0]", "wire_money is not allowlisted"));
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/wire_money/invoke", "{}", bearer(AGENT));
            assertError(reply, 403, "denied");
            JsonNode error = reply.json().get("error");
            assertThat(error.get("message").asText()).isEqualTo("wire_money is not allowlisted");
            JsonNode details = error.get("details");
            assertThat(details.get("policy").asText()).isEqualTo("default@3");
            assertThat(details.get("tool").asText()).isEqualTo("wire_money");
            assertThat(details.get("callId").asText()).isEqualTo("call-9");
            assertThat(details.get("decision").get("verdict").asText()).isEqualTo("DENY");
            assertThat(details.get("decision").get("guardrail").asText()).isEqualTo("allowlist");
            assertThat(details.get("decision").get("rule").asText()).isEqualTo("tools.deny[0]");
            assertThat(details.get("decision").get("reason").asText()).isEqualTo("wire_money is not allowlisted");
        }

        @ParameterizedTest
        @EnumSource(value = CallOutcome.Status.class, mode = EnumSource.Mode.EXCLUDE, names = "OK")
        void everyOutcomeMapsToItsHttpStatus(CallOutcome.Status status) throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, status, "code_" + status.name().toLowerCase(),
                "message of " + status, Map.of("field", "expression"),
                new Decision(Verdict.ALLOW, "", "", ""));
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertError(reply, status.httpStatus(), "code_" + status.name().toLowerCase());
            assertThat(reply.json().get("error").get("details").get("field").asText()).isEqualTo("expression");
            assertThat(reply.json().get("error").get("details").get("tool").asText()).isEqualTo("calculator");
        }

        @Test
        void approvalRequiredIs202WithTheApprovalIdAndItsLocation() throws Exception {
            Decision approval = new Decision(Verdict.REQUIRE_APPROVAL, "approval", "tools.wire_money",
                "financial tools need a second person");
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.APPROVAL_REQUIRED,
                "approval_required", "waiting for approval", Map.of(CallOutcome.APPROVAL_ID, "ap_7Q-x",
                    "expiresAt", "2026-11-27T12:30:00Z"), approval);
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/wire_money/invoke",
                "{\"arguments\":{\"amount\":5}}", bearer(AGENT));
            assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
            assertThat(reply.header("Location")).isEqualTo("/api/v1/approvals/ap_7Q-x");
            JsonNode body = reply.json();
            assertThat(body.has("error")).isFalse();
            assertThat(body.get("approvalId").asText()).isEqualTo("ap_7Q-x");
            assertThat(body.get("status").asText()).isEqualTo("pending");
            assertThat(body.get("expiresAt").asText()).isEqualTo("2026-11-27T12:30:00Z");
            assertThat(body.at("/decision/verdict").asText()).isEqualTo("REQUIRE_APPROVAL");
            assertThat(body.at("/decision/guardrail").asText()).isEqualTo("approval");
            assertThat(body.at("/decision/reason").asText()).isEqualTo("financial tools need a second person");
            assertThat(body.get("callId").asText()).isEqualTo("call-9");
        }

        @Test
        void anApprovalIdIsEscapedInTheLocation() throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.APPROVAL_REQUIRED, null, null,
                Map.of(CallOutcome.APPROVAL_ID, "a b/c"), Decision.allow());
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/wire_money/invoke", "{}", bearer(AGENT));
            assertThat(reply.status()).isEqualTo(202);
            assertThat(reply.header("Location")).isEqualTo("/api/v1/approvals/a%20b%2Fc");
            assertThat(reply.json().get("expiresAt").isNull()).isTrue();
        }

        @Test
        void unknownToolIs404FromTheDispatcher() throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.NOT_FOUND, "not_found",
                "no tool 'nope' is visible under profile default", Map.of(), Decision.allow());
            assertError(http.postJson("/api/v1/tools/nope/invoke", "{}", bearer(AGENT)), 404, "not_found");
        }

        @Test
        void missingCodeAndMessageGetDefaults() throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.TIMEOUT, null, null, Map.of(), null);
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertError(reply, 504, "timeout");
            assertThat(reply.json().get("error").get("message").asText()).contains("TIMEOUT");
        }

        @Test
        void limitedSetsRetryAfter() throws Exception {
            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.LIMITED, "rate_limited",
                "too many calls", Map.of("retryAfterSeconds", 1.2), Decision.allow());
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertError(reply, 429, "rate_limited");
            assertThat(reply.header("Retry-After")).isEqualTo("2");

            dispatcher.script = r -> TestDoubles.failed(r, CallOutcome.Status.LIMITED, "budget_exceeded",
                "budget spent", Map.of(), Decision.allow());
            reply = http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertError(reply, 429, "budget_exceeded");
            assertThat(reply.header("Retry-After")).isNull();
        }

        @Test
        void anUnexpectedExceptionIsAGeneric500() throws Exception {
            dispatcher.script = r -> {
                throw new IllegalStateException("database password is hunter2");
            };
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT));
            assertError(reply, 500, "internal_error");
            assertThat(reply.text()).doesNotContain("hunter2").doesNotContain("IllegalStateException")
                .doesNotContain("at io.cuga");
            String traceId = reply.header("traceparent").substring(3, 35);
            assertThat(reply.json().get("error").get("details").get("traceId").asText()).isEqualTo(traceId);
        }

        @Test
        void anUnserialisableResultIsA500NotAStackTrace() throws Exception {
            Object loop = new Object() {
                @SuppressWarnings("unused")
                public Object getSelf() {
                    return this;
                }
            };
            dispatcher.script = r -> new CallOutcome(CallOutcome.Status.OK, r.tool(), "c", r.traceId(),
                loop, null, null, Map.of(), Decision.allow(), 1);
            assertError(http.postJson("/api/v1/tools/calculator/invoke", "{}", bearer(AGENT)), 500,
                "internal_error");
        }
    }

    @Nested
    class Bodies {

        @Test
        void unknownTopLevelKeyIsNamed() throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke",
                "{\"arguments\":{},\"args\":{\"x\":1}}", bearer(AGENT));
            assertError(reply, 400, "unknown_field");
            assertThat(reply.json().get("error").get("details").get("field").asText()).isEqualTo("args");
            assertThat(reply.json().get("error").get("message").asText()).contains("'args'");
            assertThat(dispatcher.requests).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"arguments\":[1,2]}", "{\"arguments\":\"x\"}", "{\"arguments\":null}",
            "{\"arguments\":3}"})
        void argumentsMustBeAnObject(String body) throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", body, bearer(AGENT));
            assertError(reply, 400, "invalid_request");
            assertThat(reply.json().get("error").get("details").get("field").asText()).isEqualTo("arguments");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "\"text\"", "42", "null"})
        void theBodyMustBeAnObject(String body) throws Exception {
            assertError(http.postJson("/api/v1/tools/calculator/invoke", body, bearer(AGENT)), 400,
                "invalid_request");
        }

        @Test
        void malformedJsonGivesLineAndColumn() throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke",
                "{\n  \"arguments\": {\n    \"expression\": 1+2\n  }\n}", bearer(AGENT));
            assertError(reply, 400, "malformed_json");
            JsonNode details = reply.json().get("error").get("details");
            assertThat(details.get("line").asInt()).isEqualTo(3);
            assertThat(details.get("column").asInt()).isGreaterThan(1);
            assertThat(dispatcher.requests).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"arguments\":{}} {}", "{\"arguments\":{}", "{\"arguments\":{},\"arguments\":{}}",
            "{\"arguments\":{\"a\":1,\"a\":2}}", "{'arguments':{}}"})
        void syntaxErrorsAreMalformedJson(String body) throws Exception {
            assertError(http.postJson("/api/v1/tools/calculator/invoke", body, bearer(AGENT)), 400,
                "malformed_json");
        }

        @ParameterizedTest
        @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
            "application/json; charset=iso-8859-1"})
        void nonJsonContentTypeIs415(String contentType) throws Exception {
            HttpRequest request = http.request("/api/v1/tools/calculator/invoke")
                .header("Authorization", "Bearer " + AGENT).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertError(http.send(request), 415, "unsupported_media_type");
        }

        @Test
        void missingContentTypeIs415() throws Exception {
            HttpRequest request = http.request("/api/v1/tools/calculator/invoke")
                .header("Authorization", "Bearer " + AGENT).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertError(http.send(request), 415, "unsupported_media_type");
        }

        @ParameterizedTest
        @ValueSource(strings = {"application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"",
            "application/json"})
        void jsonContentTypesAreAccepted(String contentType) throws Exception {
            HttpRequest request = http.request("/api/v1/tools/calculator/invoke")
                .header("Authorization", "Bearer " + AGENT).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            assertThat(http.send(request).status()).isEqualTo(200);
        }

        @Test
        void declaredLengthOverTheLimitIs413BeforeReading() throws Exception {
            servlet.modified(Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", 1024L)));
            String body = "{\"arguments\":{\"expression\":\"" + "1".repeat(1100) + "\"}}";
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", body, bearer(AGENT));
            assertError(reply, 413, "body_too_large");
            assertThat(reply.json().get("error").get("details").get("limitBytes").asLong()).isEqualTo(1024);
            assertThat(dispatcher.requests).isEmpty();
        }

        @Test
        void chunkedBodyOverTheLimitIs413() throws Exception {
            servlet.modified(Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", 1024L)));
            byte[] body = ("{\"arguments\":{\"expression\":\"" + "1".repeat(3000) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
            JettyHarness.Reply reply = http.postChunked("/api/v1/tools/calculator/invoke", body, bearer(AGENT));
            assertError(reply, 413, "body_too_large");
            assertThat(dispatcher.requests).isEmpty();
        }

        @Test
        void aLieInContentLengthCannotGetPastTheLimit() throws Exception {
            servlet.modified(Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", 64L)));
            String body = "{\"arguments\":{\"expression\":\"" + "1".repeat(100) + "\"}}";
            String raw = http.raw("POST /api/v1/tools/calculator/invoke HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + AGENT + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n");
            assertThat(raw).startsWith("HTTP/1.1 413").contains("\"body_too_large\"");
        }

        @Test
        void aBodyExactlyAtTheLimitIsAccepted() throws Exception {
            String body = "{\"arguments\":{\"expression\":\"1+2\"}}";
            servlet.modified(Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", (long) body.length())));
            assertThat(http.postJson("/api/v1/tools/calculator/invoke", body, bearer(AGENT)).status()).isEqualTo(200);
            assertThat(http.postChunked("/api/v1/tools/calculator/invoke", body.getBytes(StandardCharsets.UTF_8),
                bearer(AGENT)).status()).isEqualTo(200);
            assertError(http.postChunked("/api/v1/tools/calculator/invoke",
                (body + " ").getBytes(StandardCharsets.UTF_8), bearer(AGENT)), 413, "body_too_large");
        }

        @Test
        void theDefaultLimitIsOneMebibyte() throws Exception {
            String small = "{\"arguments\":{\"expression\":\"" + "1".repeat(1_000_000) + "\"}}";
            assertThat(http.postJson("/api/v1/tools/calculator/invoke", small, bearer(AGENT)).status()).isEqualTo(200);
            String big = "{\"arguments\":{\"expression\":\"" + "1".repeat(1_048_576) + "\"}}";
            assertError(http.postJson("/api/v1/tools/calculator/invoke", big, bearer(AGENT)), 413, "body_too_large");
        }
    }

    @Nested
    class TraceContextHeaders {

        @Test
        void aValidTraceparentIsContinued() throws Exception {
            String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}",
                "Authorization", "Bearer " + AGENT, "traceparent", incoming);
            String out = reply.header("traceparent");
            assertThat(out).matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01");
            assertThat(out.substring(36, 52)).isNotEqualTo("00f067aa0ba902b7");
            assertThat(dispatcher.last().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        }

        @ParameterizedTest
        @ValueSource(strings = {"garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
        void anInvalidTraceparentStartsANewTrace(String incoming) throws Exception {
            JettyHarness.Reply reply = http.postJson("/api/v1/tools/calculator/invoke", "{}",
                "Authorization", "Bearer " + AGENT, "traceparent", incoming);
            String out = reply.header("traceparent");
            assertThat(out).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            assertThat(out.substring(3, 35)).isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736")
                .isEqualTo(dispatcher.last().traceId());
        }

        @Test
        void everyResponseCarriesATraceparent() throws Exception {
            assertThat(http.get("/health").header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            assertThat(http.get("/api/v1/tools").header("traceparent")).isNotNull();
            assertThat(http.get("/nowhere").header("traceparent")).isNotNull();
            String first = http.get("/health").header("traceparent");
            String second = http.get("/health").header("traceparent");
            assertThat(first.substring(3, 35)).isNotEqualTo(second.substring(3, 35));
        }
    }

    @Test
    void errorsAreNeverHtml() throws Exception {
        Map<String, String> paths = new HashMap<>();
        paths.put("/x.html", "GET");
        paths.put("/api/v1/tools", "PUT");
        for (Map.Entry<String, String> e : paths.entrySet()) {
            JettyHarness.Reply reply = http.send(http.request(e.getKey())
                .method(e.getValue(), HttpRequest.BodyPublishers.noBody()).header("Accept", "text/html").build());
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            assertThat(reply.text()).startsWith("{\"error\":");
        }
    }
}
