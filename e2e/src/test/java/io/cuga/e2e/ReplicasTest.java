package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.APPROVER_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.testing.postgres.PostgresExtension;

/**
 * Two server processes on one real PostgreSQL: one budget that concurrent calls through both never overspend,
 * an approval decided on one replica releasing the call waiting on the other, one audit trail with every call
 * of both, and a database outage that refuses calls (503, not ready) until the database is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasTest {

    @RegisterExtension
    static PostgresExtension pg = new PostgresExtension();

    /** Profile default: 50 calls per session. Profile gated: every calculator call needs a human. */
    private static final String POLICY = """
        profile: default
        guardrails: [allowlist, budget, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        budget:
          limits:
            - kind: calls
              scope: session
              ceiling: 50
        """;

    private static final String GATED = """
        profile: gated
        guardrails: [allowlist, approval, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        approval:
          tiers: []
          tools: [calculator]
          timeout_seconds: 120
        """;

    private static CugaServer a;
    private static CugaServer b;

    @BeforeAll
    static void startReplicas() throws Exception {
        String url = pg.newDatabase();
        // the store is configured the way ops/docker-compose.yml and ops/k8s/overlays/postgres configure it:
        // environment variables only, the password through the variable that postgres.password.env names
        Map<String, String> env = Map.of("AGENT_TOKEN", AGENT_TOKEN, "CUGA_APPROVER_TOKEN", APPROVER_TOKEN,
            "CUGA_ADMIN_TOKEN", ADMIN_TOKEN, "CUGA__STORE__BACKEND", "postgres", "CUGA__STORE__POSTGRES__URL", url,
            "CUGA__STORE__POSTGRES__USER", "cuga", "CUGA__STORE__POSTGRES__PASSWORD__ENV", "CUGA_POSTGRES_PASSWORD",
            "CUGA_POSTGRES_PASSWORD", "unused-by-trust-auth", "CUGA__STORE__LEASE__SECONDS", "5");
        CugaServer.ConfigChange change = config -> {
            Files.writeString(config.resolve("policies/default.yaml"), POLICY, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/gated.yaml"), GATED, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
            // each replica looks for tasks of a gone replica every second
            Files.writeString(config.resolve("cuga.agents.cfg"), "recover.interval.seconds = 1\n",
                StandardCharsets.UTF_8);
        };
        a = CugaServer.start(Path.of(System.getProperty("java.home")), env, change);
        b = CugaServer.start(Path.of(System.getProperty("java.home")), env, change);
        assertThat(a.get("/ready", null).body()).contains("PostgreSQL at ");
    }

    @AfterAll
    static void stopReplicas() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static HttpResponse<String> invoke(CugaServer server, String profile, String session, String expression) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/api/v1/tools/calculator/invoke"))
                .header("Content-Type", "application/json").header("X-Cuga-Profile", profile)
                .POST(HttpRequest.BodyPublishers.ofString(
                    JSON.writeValueAsString(Map.of("arguments", Map.of("expression", expression)))));
            if (session != null) {
                request.header("X-Cuga-Session", session);
            }
            return server.send(request, AGENT_TOKEN);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String callId(HttpResponse<String> response) {
        JsonNode body = json(response);
        return body.has("callId") ? body.path("callId").asText() : body.path("error").path("details").path("callId")
            .asText();
    }

    @Test
    @Order(1)
    void concurrentCallsThroughBothReplicasNeverOverspendOneBudgetAndAllAreAudited() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                CugaServer server = i % 2 == 0 ? a : b;
                String expression = i + " * 2";
                futures.add(pool.submit(() -> invoke(server, "default", "shared", expression)));
            }
            int ok = 0;
            int limited = 0;
            List<String> ids = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else if (r.statusCode() == 429) {
                    limited++;
                } else {
                    throw new AssertionError("unexpected " + r.statusCode() + ": " + r.body());
                }
                ids.add(callId(r));
            }
            assertThat(ok).as("calls admitted against one ceiling of 50 through two replicas").isEqualTo(50);
            assertThat(limited).isEqualTo(150);

            JsonNode budgets = json(a.get("/api/v1/budgets/shared", AGENT_TOKEN)).path("budgets");
            assertThat(budgets.get(0).path("spent").asInt()).isEqualTo(50);

            // one trail: every call of both replicas, readable from either
            for (String id : ids) {
                JsonNode records = json(b.get("/api/v1/audit?call=" + id, ADMIN_TOKEN)).path("records");
                assertThat(records.size()).as("records of call %s", id).isEqualTo(2);
            }
            JsonNode verify = json(a.get("/api/v1/audit/verify", ADMIN_TOKEN));
            assertThat(verify.path("intact").asBoolean()).as("%s", verify).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(2)
    void anApprovalDecidedOnOneReplicaReleasesTheCallWaitingOnTheOther() throws Exception {
        HttpResponse<String> asked = invoke(a, "gated", null, "6 * 7");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        String id = json(asked).path("approvalId").asText();
        assertThat(asked.headers().firstValue("Location")).hasValue("/api/v1/approvals/" + id);

        HttpResponse<String> pending = b.get("/api/v1/approvals?status=pending", APPROVER_TOKEN);
        assertThat(pending.body()).contains(id);
        HttpResponse<String> approved = b.send(HttpRequest.newBuilder(b.uri("/api/v1/approvals/" + id + "/approve"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"checked on replica b\"}")), APPROVER_TOKEN);
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);

        long start = System.nanoTime();
        JsonNode[] last = new JsonNode[1];
        assertThat(CugaServer.poll(Duration.ofSeconds(20), () -> {
            last[0] = json(a.get("/api/v1/approvals/" + id, AGENT_TOKEN));
            return last[0].path("outcome").path("status").asText().equals("OK");
        })).as("the call waiting on replica a ran: %s", last[0]).isTrue();
        assertThat(last[0].path("outcome").path("result").path("value").asInt()).isEqualTo(42);
        // well before the approval's 120 s expiry: the waiting call saw the decision, it did not time out
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));

        String callId = last[0].path("callId").asText();
        List<String> story = new ArrayList<>();
        json(b.get("/api/v1/audit?call=" + callId, ADMIN_TOKEN)).path("records")
            .forEach(r -> story.add(0, r.path("kind").asText() + ":" + r.path("data").path("event").asText(
                r.path("outcome").asText())));
        assertThat(story).containsExactly("call.attempt:", "approval:requested", "approval:approved",
            "call.outcome:OK");
    }

    @Test
    @Order(3)
    void whileTheDatabaseIsDownCallsAreRefusedAndServiceResumesWhenItReturns() throws Exception {
        pg.cluster().stop();
        try {
            HttpResponse<String> refused = invoke(a, "default", "outage", "1 + 1");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(json(refused).path("error").path("code").asText()).isEqualTo("store_unavailable");
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> a.get("/ready", null).statusCode() == 503))
                .as("replica a reports not ready").isTrue();
            assertThat(a.get("/ready", null).body()).contains("store");
        } finally {
            pg.cluster().start();
        }
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> invoke(b, "default", "outage", "1 + 1")
            .statusCode() == 200)).as("replica b serves again by itself").isTrue();
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> a.get("/ready", null).statusCode() == 200))
            .as("replica a is ready again by itself").isTrue();
    }

    @Test
    @Order(4)
    void aKilledReplicasTaskIsMarkedInterruptedByTheOtherAndResumesThere() throws Exception {
        HttpResponse<String> submitted = a.send(HttpRequest.newBuilder(a.uri("/api/v1/tasks"))
            .header("Content-Type", "application/json").header("X-Cuga-Profile", "gated")
            .POST(HttpRequest.BodyPublishers.ofString("{\"goal\": \"calculate 6*7\"}")), AGENT_TOKEN);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = json(submitted).path("id").asText();
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> status(b, id).equals("waiting_approval")))
            .as("the task waits for a human on replica a").isTrue();
        // replica b checks every second: a is alive, so its task is left alone
        Thread.sleep(3000);
        assertThat(status(b, id)).isEqualTo("waiting_approval");

        a.kill();
        // once a has not beaten for the store's lease (lease.seconds, 5 here), b marks its task failed, interrupted
        JsonNode[] last = new JsonNode[1];
        long killed = System.nanoTime();
        assertThat(CugaServer.poll(Duration.ofSeconds(90), () -> {
            last[0] = json(b.get("/api/v1/tasks/" + id, AGENT_TOKEN));
            return last[0].path("status").asText().equals("failed");
        })).as("the killed replica's task, seen from b: %s\n%s", last[0], b.logTail()).isTrue();
        assertThat(last[0].path("errorCode").asText()).isEqualTo("interrupted");
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("the configured lease, not the default 30 s")
            .isLessThan(Duration.ofSeconds(28));
        assertThat(b.logText()).contains("Task " + id + " was interrupted: the server running it (");

        // resumed on b, it runs there: a new approval, decided on b, and the answer
        HttpResponse<String> resumed = b.post("/api/v1/tasks/" + id + "/resume", AGENT_TOKEN, "application/json", "{}");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> status(b, id).equals("waiting_approval"))).isTrue();
        JsonNode waiting = json(b.get("/api/v1/tasks/" + id, AGENT_TOKEN));
        String approval = waiting.path("steps").get(0).path("approvalId").asText();
        assertThat(approval).isNotEmpty();
        HttpResponse<String> approved = b.post("/api/v1/approvals/" + approval + "/approve", APPROVER_TOKEN,
            "application/json", "{\"reason\":\"resumed on b\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> status(b, id).equals("completed")))
            .as("%s", json(b.get("/api/v1/tasks/" + id, AGENT_TOKEN))).isTrue();
        assertThat(json(b.get("/api/v1/tasks/" + id, AGENT_TOKEN)).path("answer").path("value").asInt())
            .isEqualTo(42);
    }

    private static String status(CugaServer server, String id) {
        return json(server.get("/api/v1/tasks/" + id, AGENT_TOKEN)).path("status").asText();
    }
}
