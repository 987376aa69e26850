package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.guardrail.budget.BudgetUsage;
import jakarta.servlet.Servlet;

/** {@code GET /api/v1/budgets/{session}} over HTTP, with the real adapter over a budget view of the test. */
class BudgetServletTest {

    static final String AGENT = "agent-t";
    static final String ALICE = "alice-t";
    static final String OPS = "ops-t";

    final StoreDoubles.FixedBudgetView view = new StoreDoubles.FixedBudgetView();
    BudgetViewSource source;
    BudgetServlet servlet;
    JettyHarness http;

    @BeforeEach
    void start() throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class, Map.of("tokens",
            new String[] {"alice:agent:finance:sha256:" + TokenTable.sha256Hex(ALICE) + ", ops:agent:*:sha256:"
                + TokenTable.sha256Hex(OPS)})), Map.of("AGENT_TOKEN", AGENT), null, TokenTable.CONSTANT_TIME);
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        servlet = new BudgetServlet(auth);
        source = new BudgetViewSource(view);
        servlet.bindBudgetSource(source);
        view.byProfile.put("finance", List.of(
            new BudgetUsage("calls", "session", "s1", new BigDecimal("12"), new BigDecimal("1"),
                new BigDecimal("50"), 0.8, "block", 0),
            new BudgetUsage("cost", "profile", "finance", new BigDecimal("12.500000"), new BigDecimal("0.25"),
                new BigDecimal("1E+1"), 0.75, "warn", 3)));
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(servlet, new String[] {BudgetServlet.BASE + "/*"});
        http = new JettyHarness(servlets);
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
    }

    @Test
    void theCallersProfileAndSessionWithEveryAmountAsANumber() throws Exception {
        JettyHarness.Reply reply = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + ALICE);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(view.asked).containsExactly("finance/s1");
        JsonNode body = reply.json();
        assertThat(body.get("profile").asText()).isEqualTo("finance");
        assertThat(body.get("session").asText()).isEqualTo("s1");
        assertThat(body.get("budgets")).hasSize(2);
        JsonNode calls = body.at("/budgets/0");
        assertThat(calls.toString()).isEqualTo("{\"kind\":\"calls\",\"scope\":\"session\",\"spent\":12,\"reserved\":1,"
            + "\"ceiling\":50,\"remaining\":37,\"warnRatio\":0.8,\"onExceed\":\"block\",\"exceedances\":0}");
        JsonNode cost = body.at("/budgets/1");
        assertThat(cost.get("spent").isNumber()).isTrue();
        assertThat(cost.get("spent").decimalValue()).isEqualByComparingTo("12.5");
        assertThat(reply.text()).contains("\"spent\":12.5,").contains("\"ceiling\":10,").doesNotContain("E+");
        assertThat(cost.get("remaining").asInt()).as("over the ceiling: nothing remains, never negative")
            .isZero();
        assertThat(cost.get("onExceed").asText()).isEqualTo("warn");
        assertThat(cost.get("exceedances").asLong()).isEqualTo(3);
    }

    @Test
    void dashMeansNoSession() throws Exception {
        JettyHarness.Reply reply = http.get("/api/v1/budgets/-", "Authorization", "Bearer " + ALICE);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("session").asText()).isEmpty();
        assertThat(view.asked).containsExactly("finance/");
    }

    @Test
    void theProfileIsResolvedAsTheInvokeRouteResolvesIt() throws Exception {
        // a token bound to "default" gets default; default has no budget limits: an empty list
        JettyHarness.Reply own = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + AGENT);
        assertThat(own.json().get("profile").asText()).isEqualTo("default");
        assertThat(own.json().get("budgets")).isEmpty();
        // it may not choose another profile
        JettyHarness.Reply other = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + AGENT,
            "X-Cuga-Profile", "finance");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().at("/error/code").asText()).isEqualTo("forbidden");
        // a * token chooses any
        JettyHarness.Reply chosen = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + OPS,
            "X-Cuga-Profile", "finance");
        assertThat(chosen.json().get("profile").asText()).isEqualTo("finance");
        assertThat(chosen.json().get("budgets")).hasSize(2);
        JettyHarness.Reply bad = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + OPS,
            "X-Cuga-Profile", "no/such");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/code").asText()).isEqualTo("invalid_header");
        assertThat(view.asked).containsExactly("default/s1", "finance/s1");
    }

    @Test
    void aTokenIsRequired() throws Exception {
        JettyHarness.Reply reply = http.get("/api/v1/budgets/s1");
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"cuga\"");
        assertThat(view.asked).isEmpty();
    }

    @Test
    void aBadSessionIs400NamingIt() throws Exception {
        for (String session : new String[] {"a%20b", "x".repeat(129), "%C3%A9"}) {
            JettyHarness.Reply reply = http.get("/api/v1/budgets/" + session, "Authorization", "Bearer " + ALICE);
            assertThat(reply.status()).as(session).isEqualTo(400);
            assertThat(reply.json().at("/error/code").asText()).isEqualTo("invalid_parameter");
            assertThat(reply.json().at("/error/details/parameter").asText()).isEqualTo("session");
        }
        JettyHarness.Reply query = http.get("/api/v1/budgets/s1?kind=calls", "Authorization", "Bearer " + ALICE);
        assertThat(query.status()).isEqualTo(400);
        assertThat(query.json().at("/error/code").asText()).isEqualTo("unknown_parameter");
        assertThat(view.asked).isEmpty();
    }

    @Test
    void withoutTheBudgetBundleTheRouteAnswers503NamingIt() throws Exception {
        servlet.unbindBudgetSource(source);
        JettyHarness.Reply reply = http.get("/api/v1/budgets/s1", "Authorization", "Bearer " + ALICE);
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().at("/error/code").asText()).isEqualTo("unavailable");
        assertThat(reply.json().at("/error/details/missing").asText())
            .isEqualTo("io.cuga.guardrail.budget.BudgetView");
        assertThat(reply.json().at("/error/message").asText()).contains("cuga.guardrail.budget");
    }

    @Test
    void otherPathsAndMethodsAreJsonErrors() throws Exception {
        for (String path : new String[] {"/api/v1/budgets", "/api/v1/budgets/", "/api/v1/budgets/s1/x"}) {
            JettyHarness.Reply reply = http.get(path, "Authorization", "Bearer " + ALICE);
            assertThat(reply.status()).as(path).isEqualTo(404);
            assertThat(reply.json().at("/error/code").asText()).isEqualTo("not_found");
        }
        JettyHarness.Reply post = http.postJson("/api/v1/budgets/s1", "{}", "Authorization", "Bearer " + ALICE);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
    }

    @Test
    void amountsArePlainNumbers() {
        assertThat(BudgetViewSource.plain(new BigDecimal("1E+3")).toString()).isEqualTo("1000");
        assertThat(BudgetViewSource.plain(new BigDecimal("2.50")).toString()).isEqualTo("2.5");
        assertThat(BudgetViewSource.plain(new BigDecimal("0.000")).toString()).isEqualTo("0");
    }
}
