package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.store.Approval;
import io.cuga.api.store.StoreUnavailableException;
import jakarta.servlet.Servlet;

/** The approval routes over HTTP, next to the API servlet as the whiteboard maps them. */
class ApprovalServletTest {

    static final String AGENT = "agent-t";
    static final String APPROVER = "approver-t";
    static final String ADMIN = "admin-t";
    static final String BOB = "bob-t";
    static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

    final StoreDoubles.MemoryApprovals approvals = new StoreDoubles.MemoryApprovals();
    ApprovalServlet servlet;
    JettyHarness http;

    @BeforeEach
    void start() throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class, Map.of("tokens",
            new String[] {"bob:agent:default:sha256:" + TokenTable.sha256Hex(BOB)})), Map.of("AGENT_TOKEN", AGENT,
                "CUGA_APPROVER_TOKEN", APPROVER, "CUGA_ADMIN_TOKEN", ADMIN), null, TokenTable.CONSTANT_TIME);
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        servlet = new ApprovalServlet(auth, Configs.of(ApiServlet.Config.class, Map.of("max_body_bytes", 4096L)));
        servlet.bindApprovals(approvals);
        approvals.add(StoreDoubles.pending("ap-1", "agent", T0));
        approvals.add(StoreDoubles.pending("ap-2", "bob", T0.plusSeconds(60)));
        approvals.add(StoreDoubles.pending("ap-3", "approver", T0.plusSeconds(120)));
        Approval old = StoreDoubles.pending("ap-0", "agent", T0.minusSeconds(3600));
        approvals.add(new Approval(old.id(), Approval.Status.EXPIRED, old.createdAt(), old.expiresAt(), old.callId(),
            old.traceId(), old.profile(), old.session(), old.requester(), old.tool(), old.risk(), old.arguments(),
            old.requiredBecause(), "", old.expiresAt(), "", Map.of("status", "DENIED")));
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(servlet, new String[] {ApprovalServlet.BASE, ApprovalServlet.BASE + "/*"});
        http = new JettyHarness(servlets);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    static void assertError(JettyHarness.Reply reply, int status, String code) throws Exception {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().at("/error/code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.text()).doesNotContain("at io.cuga").doesNotContain("Exception");
    }

    JettyHarness.Reply get(String path, String token) throws Exception {
        return http.get(path, "Authorization", "Bearer " + token);
    }

    JettyHarness.Reply decide(String id, String verb, String body, String token) throws Exception {
        return http.postJson("/api/v1/approvals/" + id + "/" + verb, body, "Authorization", "Bearer " + token);
    }

    // ------------------------------------------------------------------------------------------------- list

    @Test
    void approversListPendingApprovalsNewestFirstByDefault() throws Exception {
        for (String token : new String[] {APPROVER, ADMIN}) {
            JettyHarness.Reply reply = get("/api/v1/approvals", token);
            assertThat(reply.status()).isEqualTo(200);
            JsonNode list = reply.json().get("approvals");
            assertThat(list).hasSize(3);
            assertThat(list.get(0).get("id").asText()).isEqualTo("ap-3");
            assertThat(list.get(2).get("id").asText()).isEqualTo("ap-1");
        }
        assertThat(approvals.calls).containsExactly("list PENDING 100", "list PENDING 100");
    }

    @Test
    void anApprovalHasEveryField() throws Exception {
        JsonNode a = get("/api/v1/approvals/ap-1", APPROVER).json();
        assertThat(a.get("id").asText()).isEqualTo("ap-1");
        assertThat(a.get("status").asText()).isEqualTo("pending");
        assertThat(a.get("tool").asText()).isEqualTo("wire_money");
        assertThat(a.get("risk").asText()).isEqualTo("FINANCIAL");
        assertThat(a.at("/arguments/iban").asText()).isEqualTo("[REDACTED]");
        assertThat(a.at("/arguments/amount").asInt()).isEqualTo(5000);
        assertThat(a.get("requester").asText()).isEqualTo("agent");
        assertThat(a.get("profile").asText()).isEqualTo("finance");
        assertThat(a.get("session").asText()).isEqualTo("s1");
        assertThat(a.get("requiredBecause").asText()).isEqualTo("financial tools need a second person");
        assertThat(a.get("createdAt").asText()).isEqualTo("2026-11-27T12:00:00Z");
        assertThat(a.get("expiresAt").asText()).isEqualTo("2026-11-27T12:15:00Z");
        assertThat(a.get("decidedBy").asText()).isEmpty();
        assertThat(a.get("decidedAt").isNull()).isTrue();
        assertThat(a.get("decisionReason").asText()).isEmpty();
        assertThat(a.get("outcome").isObject()).isTrue();
        assertThat(a.get("callId").asText()).isEqualTo("call-ap-1");
    }

    @Test
    void statusAndLimitFilterTheList() throws Exception {
        JsonNode all = get("/api/v1/approvals?status=all&limit=10", APPROVER).json().get("approvals");
        assertThat(all).hasSize(4);
        JsonNode expired = get("/api/v1/approvals?status=Expired", APPROVER).json().get("approvals");
        assertThat(expired).hasSize(1);
        assertThat(expired.get(0).get("status").asText()).isEqualTo("expired");
        assertThat(expired.get(0).at("/outcome/status").asText()).isEqualTo("DENIED");
        assertThat(get("/api/v1/approvals?status=approved", APPROVER).json().get("approvals")).isEmpty();
        assertThat(get("/api/v1/approvals?limit=1", APPROVER).json().get("approvals")).hasSize(1);
        assertThat(approvals.calls).containsExactly("list null 10", "list EXPIRED 100", "list APPROVED 100",
            "list PENDING 1");
    }

    @Test
    void badListParametersAre400NamingThem() throws Exception {
        String[][] cases = {{"status=waiting", "invalid_parameter", "status"}, {"limit=0", "invalid_parameter",
            "limit"}, {"limit=1001", "invalid_parameter", "limit"}, {"status=all&status=pending",
                "invalid_parameter", "status"}, {"mine=true", "unknown_parameter", "mine"}};
        for (String[] c : cases) {
            JettyHarness.Reply reply = get("/api/v1/approvals?" + c[0], APPROVER);
            assertError(reply, 400, c[1]);
            assertThat(reply.json().at("/error/details/parameter").asText()).isEqualTo(c[2]);
        }
        assertThat(approvals.calls).isEmpty();
    }

    @Test
    void agentsMayNotListOrDecide() throws Exception {
        JettyHarness.Reply list = get("/api/v1/approvals", AGENT);
        assertError(list, 403, "forbidden");
        assertThat(list.json().at("/error/details/requiredRole").asText()).isEqualTo("approver");
        assertError(decide("ap-2", "approve", "{\"reason\":\"fine\"}", AGENT), 403, "forbidden");
        assertError(decide("ap-2", "reject", "{\"reason\":\"no\"}", AGENT), 403, "forbidden");
        JettyHarness.Reply none = http.get("/api/v1/approvals");
        assertError(none, 401, "unauthorized");
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"cuga\"");
        assertThat(approvals.calls).isEmpty();
    }

    // -------------------------------------------------------------------------------------------------- get

    @Test
    void anAgentReadsItsOwnApprovalOnlyAndOthersLookUnknown() throws Exception {
        assertThat(get("/api/v1/approvals/ap-1", AGENT).status()).isEqualTo(200);
        assertThat(get("/api/v1/approvals/ap-2", BOB).status()).isEqualTo(200);
        JettyHarness.Reply others = get("/api/v1/approvals/ap-2", AGENT);
        JettyHarness.Reply unknown = get("/api/v1/approvals/ap-99", AGENT);
        assertError(others, 404, "approval_not_found");
        assertError(unknown, 404, "approval_not_found");
        assertThat(others.json().at("/error/message").asText().replace("ap-2", "ID"))
            .isEqualTo(unknown.json().at("/error/message").asText().replace("ap-99", "ID"));
        // approvers and admins read every approval
        assertThat(get("/api/v1/approvals/ap-2", APPROVER).status()).isEqualTo(200);
        assertThat(get("/api/v1/approvals/ap-1", ADMIN).status()).isEqualTo(200);
        assertError(get("/api/v1/approvals/ap-99", APPROVER), 404, "approval_not_found");
        assertError(get("/api/v1/approvals/a%20b", APPROVER), 404, "approval_not_found");
    }

    // ----------------------------------------------------------------------------------------------- decide

    @Test
    void anApproverApprovesAPendingApprovalWithAReason() throws Exception {
        JettyHarness.Reply reply = decide("ap-2", "approve", "{\"reason\":\"  checked with finance  \"}", APPROVER);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        JsonNode a = reply.json();
        assertThat(a.get("status").asText()).isEqualTo("approved");
        assertThat(a.get("decidedBy").asText()).isEqualTo("approver");
        assertThat(a.get("decisionReason").asText()).isEqualTo("checked with finance");
        assertThat(a.get("decidedAt").asText()).isEqualTo("2026-11-27T12:05:00Z");
        assertThat(approvals.calls).containsExactly("approve ap-2 by approver: checked with finance");
        // the requester now sees the decision
        assertThat(get("/api/v1/approvals/ap-2", BOB).json().get("status").asText()).isEqualTo("approved");
    }

    @Test
    void anAdminRejects() throws Exception {
        JettyHarness.Reply reply = decide("ap-1", "reject", "{\"reason\":\"amount too high\"}", ADMIN);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("status").asText()).isEqualTo("rejected");
        assertThat(reply.json().get("decidedBy").asText()).isEqualTo("admin");
    }

    @Test
    void aDecidedApprovalIs409WithItsCurrentStatus() throws Exception {
        assertThat(decide("ap-1", "approve", "{\"reason\":\"ok\"}", APPROVER).status()).isEqualTo(200);
        JettyHarness.Reply again = decide("ap-1", "reject", "{\"reason\":\"changed my mind\"}", ADMIN);
        assertError(again, 409, "approval_not_pending");
        assertThat(again.json().at("/error/details/status").asText()).isEqualTo("approved");
        assertThat(again.json().at("/error/details/id").asText()).isEqualTo("ap-1");
        JettyHarness.Reply expired = decide("ap-0", "approve", "{\"reason\":\"late\"}", APPROVER);
        assertError(expired, 409, "approval_not_pending");
        assertThat(expired.json().at("/error/details/status").asText()).isEqualTo("expired");
    }

    @Test
    void theRequesterCannotApproveItsOwnCall() throws Exception {
        JettyHarness.Reply reply = decide("ap-3", "approve", "{\"reason\":\"trust me\"}", APPROVER);
        assertError(reply, 403, "self_approval");
        assertThat(get("/api/v1/approvals/ap-3", ADMIN).json().get("status").asText()).isEqualTo("pending");
    }

    @Test
    void anUnknownApprovalIs404() throws Exception {
        assertError(decide("ap-99", "approve", "{\"reason\":\"ok\"}", APPROVER), 404, "approval_not_found");
        assertError(decide("bad%20id", "approve", "{\"reason\":\"ok\"}", APPROVER), 404, "approval_not_found");
    }

    @Test
    void anInvalidDecisionFromTheOrchestratorIs400() throws Exception {
        approvals.forced = io.cuga.api.dispatch.Approvals.ApprovalException.Problem.INVALID;
        JettyHarness.Reply reply = decide("ap-1", "approve", "{\"reason\":\"ok\"}", APPROVER);
        assertError(reply, 400, "invalid_request");
        assertThat(reply.json().at("/error/message").asText()).isEqualTo("forced INVALID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"reason\":\"\"}", "{\"reason\":\"   \"}", "{\"reason\":null}",
        "{\"reason\":42}", "[\"reason\"]", "\"ok\""})
    void aMissingOrBlankReasonIs400(String body) throws Exception {
        JettyHarness.Reply reply = decide("ap-1", "approve", body, APPROVER);
        assertError(reply, 400, "invalid_request");
        assertThat(approvals.calls).isEmpty();
    }

    @Test
    void theReasonIsAtMost2000Characters() throws Exception {
        JettyHarness.Reply tooLong = decide("ap-1", "approve", "{\"reason\":\"" + "x".repeat(2001) + "\"}",
            APPROVER);
        assertError(tooLong, 400, "invalid_request");
        assertThat(tooLong.json().at("/error/details/field").asText()).isEqualTo("reason");
        assertThat(decide("ap-1", "approve", "{\"reason\":\"" + "x".repeat(2000) + "\"}", APPROVER).status())
            .isEqualTo(200);
    }

    @Test
    void theBodyIsStrictJson() throws Exception {
        JettyHarness.Reply extra = decide("ap-1", "approve", "{\"reason\":\"ok\",\"approve\":true}", APPROVER);
        assertError(extra, 400, "unknown_field");
        assertThat(extra.json().at("/error/details/field").asText()).isEqualTo("approve");
        assertError(decide("ap-1", "approve", "{\"reason\":", APPROVER), 400, "malformed_json");
        assertError(decide("ap-1", "approve", "{\"reason\":\"a\",\"reason\":\"b\"}", APPROVER), 400,
            "malformed_json");
        assertError(decide("ap-1", "approve", "", APPROVER), 400, "invalid_request");
        JettyHarness.Reply text = http.send(http.request("/api/v1/approvals/ap-1/approve")
            .header("Authorization", "Bearer " + APPROVER).header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("ok")).build());
        assertError(text, 415, "unsupported_media_type");
        assertError(decide("ap-1", "approve", "{\"reason\":\"" + "x".repeat(5000) + "\"}", APPROVER), 413,
            "body_too_large");
        assertThat(approvals.calls).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ unavailable

    @Test
    void withoutTheOrchestratorEveryRouteAnswers503NamingIt() throws Exception {
        servlet.unbindApprovals(approvals);
        for (JettyHarness.Reply reply : new JettyHarness.Reply[] {get("/api/v1/approvals", APPROVER),
            get("/api/v1/approvals/ap-1", AGENT), decide("ap-1", "approve", "{\"reason\":\"ok\"}", APPROVER)}) {
            assertError(reply, 503, "unavailable");
            assertThat(reply.json().at("/error/details/missing").asText())
                .isEqualTo("io.cuga.api.dispatch.Approvals");
        }
    }

    @Test
    void aFailingStoreIs503StoreUnavailable() throws Exception {
        approvals.failure = new StoreUnavailableException("PostgreSQL at db:5432 is unreachable");
        for (JettyHarness.Reply reply : new JettyHarness.Reply[] {get("/api/v1/approvals", APPROVER),
            get("/api/v1/approvals/ap-1", AGENT), decide("ap-1", "approve", "{\"reason\":\"ok\"}", APPROVER)}) {
            assertError(reply, 503, "store_unavailable");
            assertThat(reply.json().at("/error/message").asText()).isEqualTo("PostgreSQL at db:5432 is unreachable");
        }
    }

    @Test
    void otherPathsAndMethodsAreJsonErrors() throws Exception {
        assertError(get("/api/v1/approvals/ap-1/approve", APPROVER), 405, "method_not_allowed");
        assertError(decide("ap-1", "escalate", "{\"reason\":\"ok\"}", APPROVER), 404, "not_found");
        JettyHarness.Reply delete = http.send(http.request("/api/v1/approvals/ap-1")
            .header("Authorization", "Bearer " + ADMIN).DELETE().build());
        assertError(delete, 405, "method_not_allowed");
        assertThat(delete.header("Allow")).isEqualTo("GET");
    }
}
