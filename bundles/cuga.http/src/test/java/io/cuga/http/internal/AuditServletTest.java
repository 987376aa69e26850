package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.ChainVerification;
import io.cuga.api.store.StoreUnavailableException;
import jakarta.servlet.Servlet;

/** The audit routes over HTTP, next to the API servlet as the whiteboard maps them. */
class AuditServletTest {

    static final String ADMIN = "admin-t";
    static final String APPROVER = "approver-t";
    static final String AGENT = "agent-t";
    static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    final StoreDoubles.MemoryAuditTrail trail = new StoreDoubles.MemoryAuditTrail();
    AuditServlet servlet;
    JettyHarness http;

    @BeforeEach
    void start() throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("CUGA_ADMIN_TOKEN", ADMIN, "CUGA_APPROVER_TOKEN", APPROVER, "AGENT_TOKEN", AGENT), null,
            TokenTable.CONSTANT_TIME);
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        servlet = new AuditServlet(auth);
        servlet.bindAuditTrail(trail);
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(servlet, new String[] {AuditServlet.BASE, AuditServlet.BASE + "/*"});
        http = new JettyHarness(servlets);
        // five calls: attempt + outcome each, one minute apart; call 3 was denied
        for (int i = 1; i <= 5; i++) {
            String decision = i == 3 ? "DENY" : "ALLOW";
            String trace = i % 2 == 0 ? TRACE_B : TRACE_A;
            String tool = i == 3 ? "wire_money" : "calculator";
            String profile = i >= 4 ? "finance" : "default";
            Instant at = T0.plusSeconds(60L * i);
            trail.append(List.of(StoreDoubles.record(at, AuditRecord.ATTEMPT, trace, "call-" + i, profile, tool,
                decision), StoreDoubles.record(at.plusMillis(5), AuditRecord.OUTCOME, trace, "call-" + i, profile,
                    tool, decision)));
        }
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    JettyHarness.Reply get(String pathAndQuery) throws Exception {
        return http.get(pathAndQuery, "Authorization", "Bearer " + ADMIN);
    }

    static void assertError(JettyHarness.Reply reply, int status, String code) throws Exception {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        assertThat(reply.json().at("/error/code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.text()).doesNotContain("at io.cuga").doesNotContain("Exception");
    }

    @Test
    void onlyAdminsReadTheAuditTrail() throws Exception {
        JettyHarness.Reply none = http.get("/api/v1/audit");
        assertError(none, 401, "unauthorized");
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"cuga\"");
        assertError(http.get("/api/v1/audit", "Authorization", "Bearer nonsense"), 401, "unauthorized");
        for (String token : new String[] {AGENT, APPROVER}) {
            JettyHarness.Reply reply = http.get("/api/v1/audit", "Authorization", "Bearer " + token);
            assertError(reply, 403, "forbidden");
            assertThat(reply.json().at("/error/details/requiredRole").asText()).isEqualTo("admin");
            assertError(http.get("/api/v1/audit/verify", "Authorization", "Bearer " + token), 403, "forbidden");
        }
        assertThat(trail.queries).isEmpty();
        assertThat(get("/api/v1/audit").status()).isEqualTo(200);
    }

    @Test
    void recordsComeNewestFirstWithEveryField() throws Exception {
        JettyHarness.Reply reply = get("/api/v1/audit");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("records")).hasSize(10);
        assertThat(body.get("next").isNull()).isTrue();
        assertThat(trail.queries.get(0).limit()).isEqualTo(100);
        JsonNode newest = body.at("/records/0");
        assertThat(newest.get("seq").asLong()).isEqualTo(10);
        assertThat(body.at("/records/9/seq").asLong()).isEqualTo(1);
        assertThat(newest.get("time").asText()).isEqualTo("2026-11-27T10:05:00.005Z");
        assertThat(newest.get("kind").asText()).isEqualTo("call.outcome");
        assertThat(newest.get("traceId").asText()).isEqualTo(TRACE_A);
        assertThat(newest.get("callId").asText()).isEqualTo("call-5");
        assertThat(newest.get("profile").asText()).isEqualTo("finance");
        assertThat(newest.get("session").asText()).isEqualTo("s1");
        assertThat(newest.get("caller").asText()).isEqualTo("agent");
        assertThat(newest.get("tool").asText()).isEqualTo("calculator");
        assertThat(newest.get("argumentsDigest").asText()).startsWith("sha256:");
        assertThat(newest.at("/decisions/0/guardrail").asText()).isEqualTo("allowlist");
        assertThat(newest.get("decision").asText()).isEqualTo("ALLOW");
        assertThat(newest.get("reason").asText()).isEqualTo("listed");
        assertThat(newest.get("outcome").asText()).isEqualTo("OK");
        assertThat(newest.get("durationMicros").asLong()).isEqualTo(1234);
        assertThat(newest.get("errorType").asText()).isEmpty();
        assertThat(newest.at("/data/policyVersion").asInt()).isEqualTo(3);
        assertThat(newest.get("prevHash").asText()).isEqualTo(body.at("/records/1/hash").asText());
        assertThat(newest.get("hash").asText()).startsWith("sha256:");
        assertThat(newest.size()).isEqualTo(20);
    }

    @Test
    void pagesFollowTheNextCursorUntilItIsNull() throws Exception {
        List<Long> seen = new ArrayList<>();
        String path = "/api/v1/audit?limit=4";
        int pages = 0;
        while (true) {
            JsonNode body = get(path).json();
            pages++;
            body.get("records").forEach(r -> seen.add(r.get("seq").asLong()));
            if (body.get("next").isNull()) {
                break;
            }
            String next = body.get("next").asText();
            assertThat(next).doesNotContain(":").doesNotContain("=");
            path = "/api/v1/audit?limit=4&before=" + next;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly(10L, 9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
    }

    @Test
    void filtersReachTheStoreAndCombine() throws Exception {
        JsonNode denied = get("/api/v1/audit?decision=deny").json();
        assertThat(denied.get("records")).hasSize(2);
        denied.get("records").forEach(r -> assertThat(r.get("callId").asText()).isEqualTo("call-3"));
        assertThat(trail.queries.get(0).decision()).isEqualTo("DENY");

        JsonNode byTrace = get("/api/v1/audit?trace=" + TRACE_B.toUpperCase() + "&kind=call.attempt").json();
        assertThat(byTrace.get("records")).hasSize(2);
        assertThat(byTrace.at("/records/0/callId").asText()).isEqualTo("call-4");
        assertThat(byTrace.at("/records/1/callId").asText()).isEqualTo("call-2");
        assertThat(trail.queries.get(1).traceId()).isEqualTo(TRACE_B);

        JsonNode since = get("/api/v1/audit?since=" + URLEncoder.encode("2026-11-27T12:04:00+02:00",
            StandardCharsets.UTF_8) + "&profile=finance&tool=calculator").json();
        assertThat(since.get("records")).hasSize(4);
        AuditQuery query = trail.queries.get(2);
        assertThat(query.since()).isEqualTo(Instant.parse("2026-11-27T10:04:00Z"));
        assertThat(query.profile()).isEqualTo("finance");
        assertThat(query.tool()).isEqualTo("calculator");

        JsonNode call = get("/api/v1/audit?call=call-1&since=2026-11-27T10:01:00.004Z").json();
        assertThat(call.get("records")).hasSize(1);
        assertThat(call.at("/records/0/kind").asText()).isEqualTo("call.outcome");

        JsonNode empty = get("/api/v1/audit?tool=&decision=").json();
        assertThat(empty.get("records")).hasSize(10);
        assertThat(trail.queries.get(4).tool()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"trace=xyz, trace", "trace=00000000000000000000000000000000, trace", "decision=maybe, decision",
        "since=yesterday, since", "since=2026-11-27, since", "limit=0, limit", "limit=1001, limit",
        "limit=ten, limit", "before=garbage, before", "before=c2VxOjA, before", "profile=a%20b, profile",
        "tool=a&tool=b, tool", "kind=%0A, kind"})
    void aBadValueIs400NamingTheParameter(String query, String parameter) throws Exception {
        JettyHarness.Reply reply = get("/api/v1/audit?" + query);
        assertError(reply, 400, "invalid_parameter");
        assertThat(reply.json().at("/error/details/parameter").asText()).isEqualTo(parameter);
        assertThat(reply.json().at("/error/message").asText()).contains("'" + parameter + "'");
        assertThat(trail.queries).isEmpty();
    }

    @Test
    void aMalformedEscapeIs400NamingTheParameter() throws Exception {
        String raw = http.raw("GET /api/v1/audit?tool=a%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + ADMIN + "\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 400 ");
        assertThat(raw).contains("\"code\":\"invalid_parameter\"").contains("\"parameter\":\"tool\"");
        assertThat(trail.queries).isEmpty();
    }

    @Test
    void anUnknownParameterIs400() throws Exception {
        JettyHarness.Reply reply = get("/api/v1/audit?tools=calculator");
        assertError(reply, 400, "unknown_parameter");
        assertThat(reply.json().at("/error/details/parameter").asText()).isEqualTo("tools");
        assertThat(reply.json().at("/error/details/allowed").toString()).contains("\"tool\"", "\"before\"");
        assertError(get("/api/v1/audit/verify?deep=true"), 400, "unknown_parameter");
        assertThat(trail.queries).isEmpty();
    }

    @Test
    void aLimitOfOneThousandIsAccepted() throws Exception {
        assertThat(get("/api/v1/audit?limit=1000").status()).isEqualTo(200);
        assertThat(trail.queries.get(0).limit()).isEqualTo(1000);
    }

    @Test
    void verifyAnswers200EitherWay() throws Exception {
        JettyHarness.Reply intact = get("/api/v1/audit/verify");
        assertThat(intact.status()).isEqualTo(200);
        assertThat(intact.text()).isEqualTo("{\"intact\":true,\"records\":10,\"firstBrokenSeq\":0,\"problem\":\"\"}");

        trail.verification = new ChainVerification(false, 7, 7, "hash of record 7 does not match its content");
        JettyHarness.Reply broken = get("/api/v1/audit/verify");
        assertThat(broken.status()).isEqualTo(200);
        JsonNode body = broken.json();
        assertThat(body.get("intact").asBoolean()).isFalse();
        assertThat(body.get("records").asLong()).isEqualTo(7);
        assertThat(body.get("firstBrokenSeq").asLong()).isEqualTo(7);
        assertThat(body.get("problem").asText()).isEqualTo("hash of record 7 does not match its content");
    }

    @Test
    void withoutAnAuditTrailBothRoutesAnswer503NamingIt() throws Exception {
        servlet.unbindAuditTrail(trail);
        for (String path : new String[] {"/api/v1/audit", "/api/v1/audit/verify"}) {
            JettyHarness.Reply reply = get(path);
            assertError(reply, 503, "unavailable");
            assertThat(reply.json().at("/error/details/missing").asText()).isEqualTo("io.cuga.api.store.AuditTrail");
            assertThat(reply.json().at("/error/message").asText()).contains("audit trail");
        }
        // auth still comes first: no token is 401, not 503
        assertError(http.get("/api/v1/audit"), 401, "unauthorized");
    }

    @Test
    void aFailingStoreIs503StoreUnavailableWithItsMessage() throws Exception {
        trail.failure = new StoreUnavailableException("database /var/lib/cuga/cuga.db is read-only",
            new java.sql.SQLException("attempt to write a readonly database"));
        for (String path : new String[] {"/api/v1/audit", "/api/v1/audit/verify"}) {
            JettyHarness.Reply reply = get(path);
            assertError(reply, 503, "store_unavailable");
            assertThat(reply.json().at("/error/message").asText())
                .isEqualTo("database /var/lib/cuga/cuga.db is read-only");
            assertThat(reply.text()).doesNotContain("readonly database");
        }
    }

    @Test
    void otherPathsAndMethodsAreJsonErrors() throws Exception {
        assertError(get("/api/v1/audit/other"), 404, "not_found");
        assertError(get("/api/v1/audit/verify/x"), 404, "not_found");
        JettyHarness.Reply post = http.postJson("/api/v1/audit", "{}", "Authorization", "Bearer " + ADMIN);
        assertError(post, 405, "method_not_allowed");
        assertThat(post.header("Allow")).isEqualTo("GET");
    }

    @Test
    void cursorsRoundTripAndRejectForeignValues() {
        assertThat(AuditServlet.cursor(AuditServlet.cursor(42))).isEqualTo(42);
        assertThat(AuditServlet.cursor((String) null)).isZero();
        assertThat(AuditServlet.cursor(Long.MAX_VALUE)).isNotBlank();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuditServlet.cursor("42"))
            .isInstanceOf(ApiException.class);
    }
}
