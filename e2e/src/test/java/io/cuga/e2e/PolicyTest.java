package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Policies of the running distribution: edited as files and through the API, every call under the chain. */
class PolicyTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);

    static CugaServer server;
    static Path policy;
    static String original;

    @BeforeAll
    static void start() throws Exception {
        server = CugaServer.start();
        policy = server.config.resolve("policies/default.yaml");
        original = Files.readString(policy, StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static int calculator() {
        return server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "6*7")).statusCode();
    }

    private static long version() {
        return json(server.get("/api/v1/policies/default", ADMIN_TOKEN)).path("active").path("version").asLong();
    }

    private static void write(String yaml) throws Exception {
        Path temp = Files.createTempFile(policy.getParent().getParent(), "policy-", ".tmp");
        Files.writeString(temp, yaml, StandardCharsets.UTF_8);
        Files.move(temp, policy, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void editingThePolicyFileDeniesAndAllowsAToolWithoutRestart() throws Exception {
        assertThat(calculator()).isEqualTo(200);
        write(original.replace("allow: [\"*\"]", "allow: [\"sample_*\"]"));
        assertThat(poll(GENEROUS, () -> calculator() == 404)).as(server.logTail()).isTrue();
        HttpResponse<String> denied = server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1"));
        JsonNode error = json(denied).path("error");
        assertThat(error.path("details").path("guardrail").asText()).isEqualTo("allowlist");
        assertThat(error.path("message").asText()).contains("calculator");
        assertThat(server.toolNames()).doesNotContain("calculator");

        write(original);
        assertThat(poll(GENEROUS, () -> calculator() == 200)).as(server.logTail()).isTrue();
        assertThat(server.toolNames()).contains("calculator");
    }

    @Test
    void anInvalidFileIsRefusedWithLineAndColumnAndTheOldVersionKeepsServing() throws Exception {
        long before = version();
        write(original + "\nnot_a_key: 1\n");
        int line = original.split("\n", -1).length + 1;
        assertThat(poll(GENEROUS, () -> json(server.get("/api/v1/policies/default", ADMIN_TOKEN))
            .path("lastRefusal").path("message").asText().contains("not_a_key"))).as(server.logTail()).isTrue();
        JsonNode refusal = json(server.get("/api/v1/policies/default", ADMIN_TOKEN)).path("lastRefusal");
        assertThat(refusal.path("line").asInt()).isEqualTo(line);
        assertThat(refusal.path("column").asInt()).isEqualTo(1);
        assertThat(refusal.path("message").asText()).contains("not_a_key");
        assertThat(version()).isEqualTo(before);
        assertThat(calculator()).isEqualTo(200);
        assertThat(poll(GENEROUS, () -> server.logText().contains("default.yaml:" + line + ":1")))
            .as(server.logTail()).isTrue();
        // the same document as the active one again: nothing new to activate, the active version stays
        write(original);
        assertThat(calculator()).isEqualTo(200);
        assertThat(version()).isEqualTo(before);
    }

    @Test
    void anInvalidDocumentPutThroughTheApiIs422AndChangesNothing() {
        long before = version();
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri("/api/v1/policies/default"))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString("profile: default\nguardrails: [allowlist]\nallowlist:\n"
                + "  allow: [calculator]\n  nope: true\n")), ADMIN_TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode details = json(response).path("error").path("details");
        assertThat(details.path("line").asInt()).isEqualTo(5);
        assertThat(details.path("column").asInt()).isEqualTo(3);
        assertThat(version()).isEqualTo(before);
        assertThat(server.send(HttpRequest.newBuilder(server.uri("/api/v1/policies/default"))
            .header("Content-Type", "application/yaml").PUT(HttpRequest.BodyPublishers.ofString("x: 1\n")),
            AGENT_TOKEN).statusCode()).isEqualTo(403);
    }

    @Test
    void evaluateShowsEachGuardrailsDecisionAndExecutesNothing() {
        HttpResponse<String> response = server.post("/api/v1/evaluate", AGENT_TOKEN, "application/json",
            "{\"tool\":\"http_get\",\"arguments\":{\"url\":\"https://169.254.169.254/latest/meta-data\"}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("executed").asBoolean()).isFalse();
        assertThat(body.path("decision").path("verdict").asText()).isEqualTo("DENY");
        assertThat(body.path("decision").path("guardrail").asText()).isEqualTo("egress");
        assertThat(body.path("guardrails").size()).isEqualTo(7);
        assertThat(body.path("guardrails").get(0).path("guardrail").asText()).isEqualTo("allowlist");
    }

    @Test
    void egressDeniesBeforeAnythingConnects() throws Exception {
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(1);
            HttpResponse<String> response = server.invoke("http_get", AGENT_TOKEN,
                Map.of("url", "https://127.0.0.1:" + listener.getLocalPort() + "/"));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
            JsonNode error = json(response).path("error");
            assertThat(error.path("code").asText()).isEqualTo("policy_denied");
            assertThat(error.path("details").path("guardrail").asText()).isEqualTo("egress");
            try {
                listener.accept().close();
                throw new AssertionError("the tool connected although egress denied it");
            } catch (java.net.SocketTimeoutException expected) {
                // nothing connected
            }
        }
    }

    @Test
    void theOfflineCheckUsesTheSameRulesAsTheServer() throws Exception {
        Path broken = server.work.resolve("broken.yaml");
        Files.writeString(broken, "profile: broken\nguardrails: [allowlist]\nallowlist:\n  allow: [x]\n  nope: 1\n",
            StandardCharsets.UTF_8);
        ProcessBuilder check = new ProcessBuilder(CugaServer.root().resolve("cuga").toString(), "policy", "check",
            policy.toString(), broken.toString()).redirectErrorStream(true);
        check.environment().put("CUGA_NO_BUILD", "1");
        check.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = check.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isEqualTo(1);
        assertThat(output).contains("broken.yaml:5:3").contains("nope").contains("default.yaml: ok");
    }
}
