package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * Model-based planning against the running distribution: the OpenAI-compatible model bundle is configured with
 * a scripted chat-completions server on loopback, so the "model" chooses the tool calls. Every model call is the
 * model_chat tool on the guarded path: its tokens are charged to the policy's token budget, which stops a task
 * at a tiny ceiling; a malformed model answer fails the step without a retry.
 */
class TaskModelTest {

    /** Every model call reports 20 prompt and 5 completion tokens. */
    private static final int TOKENS_PER_CALL = 25;

    private static final String METERED = """
        profile: metered
        guardrails: [allowlist, schema, budget, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        budget:
          limits:
            - kind: tokens
              scope: session
              ceiling: 1000
        """;

    private static final String TINY = """
        profile: tiny
        guardrails: [allowlist, schema, budget, redaction]
        allowlist:
          allow: ["*"]
          bundles: ["*"]
        budget:
          limits:
            - kind: tokens
              scope: session
              ceiling: 10
        """;

    private static HttpServer model;
    private static final List<JsonNode> REQUESTS = new CopyOnWriteArrayList<>();
    private static CugaServer server;

    /**
     * The scripted model: asked a goal containing "broken" it answers JSON that is not a completion; asked
     * anything else it calls the calculator with 6*7; given a tool result it answers with the result's value.
     */
    private static byte[] answer(JsonNode request) throws IOException {
        ArrayNode messages = (ArrayNode) request.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        String finish;
        if (last.path("role").asText().equals("tool")) {
            JsonNode result = JSON.readTree(last.path("content").asText());
            message.put("content", "The answer is " + result.path("value").asText() + ".");
            finish = "stop";
        } else if (last.path("content").asText().contains("broken")) {
            return "{\"choices\": \"not a list\"".getBytes(StandardCharsets.UTF_8);
        } else {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function");
            call.putObject("function").put("name", "calculator").put("arguments", "{\"expression\":\"6*7\"}");
            finish = "tool_calls";
        }
        ObjectNode body = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion")
            .put("created", 1).put("model", "scripted");
        body.putArray("choices").addObject().put("index", 0).put("finish_reason", finish).set("message", message);
        body.putObject("usage").put("prompt_tokens", 20).put("completion_tokens", 5).put("total_tokens", 25);
        return JSON.writeValueAsBytes(body);
    }

    @BeforeAll
    static void start() throws Exception {
        model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        model.setExecutor(Executors.newFixedThreadPool(4));
        model.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
                REQUESTS.add(request);
                byte[] bytes = answer(request);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        model.start();
        String baseUrl = "http://127.0.0.1:" + model.getAddress().getPort() + "/v1";
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("policies/metered.yaml"), METERED, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/tiny.yaml"), TINY, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.model.openai.cfg"), "base.url = " + baseUrl
                + "\nmodel = scripted\ntimeout.millis = 10000\n", StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.agents.cfg"), "retry.policy = linear\nretry.max.attempts = 3\n"
                + "retry.base.millis = 50\n", StandardCharsets.UTF_8);
        });
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> server.toolNames().contains("model_chat")))
            .as("model_chat registered once the model is configured").isTrue();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.stop(0);
        }
    }

    private static String submit(String profile, String session, String goal) {
        try {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json").header("X-Cuga-Profile", profile)
                .header("X-Cuga-Session", session)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("goal", goal)))),
                AGENT_TOKEN);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            return json(r).path("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode awaitEnd(String id) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        Set<String> ended = Set.of("completed", "failed", "cancelled");
        boolean reached = CugaServer.poll(Duration.ofSeconds(60), () -> {
            HttpResponse<String> r = server.get("/api/v1/tasks/" + id, AGENT_TOKEN);
            last.set(json(r));
            return ended.contains(last.get().path("status").asText());
        });
        assertThat(reached).as("task " + id + " to end, last: " + last.get()).isTrue();
        return last.get();
    }

    private static JsonNode tokens(String profile, String session) {
        HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/api/v1/budgets/" + session))
            .header("X-Cuga-Profile", profile).GET(), AGENT_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode b : json(r).path("budgets")) {
            if (b.path("kind").asText().equals("tokens") && b.path("scope").asText().equals("session")) {
                return b;
            }
        }
        throw new AssertionError("no session token budget in " + r.body());
    }

    @Test
    void theModelChoosesTheToolCallsAndItsTokensAreChargedToTheBudget() {
        int before = REQUESTS.size();
        String id = submit("metered", "m1", "what is six times seven?");
        JsonNode done = awaitEnd(id);
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("plan").path("planner").asText()).isEqualTo("model");
        JsonNode steps = done.path("steps");
        assertThat(steps).hasSize(3);
        assertThat(steps.get(0).path("tool").asText()).isEqualTo("model_chat");
        assertThat(steps.get(1).path("tool").asText()).isEqualTo("calculator");
        assertThat(steps.get(1).path("arguments").path("expression").asText()).isEqualTo("6*7");
        assertThat(steps.get(1).path("result").path("value").asInt()).isEqualTo(42);
        assertThat(steps.get(2).path("tool").asText()).isEqualTo("model_chat");
        assertThat(done.path("answer").asText()).isEqualTo("The answer is 42.");
        for (JsonNode s : steps) {
            assertThat(s.path("outcome").asText()).isEqualTo("OK");
            assertThat(s.path("callId").asText()).isNotEmpty();
        }

        // what the model was offered and told: the visible tools but itself; then the calculator's result
        JsonNode first = REQUESTS.get(before);
        List<String> offered = first.path("tools").findValuesAsText("name");
        assertThat(offered).contains("calculator").doesNotContain("model_chat");
        assertThat(first.path("model").asText()).isEqualTo("scripted");
        JsonNode second = REQUESTS.get(before + 1);
        JsonNode toolMessage = second.path("messages").get(second.path("messages").size() - 1);
        assertThat(toolMessage.path("role").asText()).isEqualTo("tool");
        assertThat(toolMessage.path("tool_call_id").asText()).isEqualTo("call_1");

        // two model calls of 25 tokens each, charged to the session's token budget
        JsonNode budget = tokens("metered", "m1");
        assertThat(budget.path("spent").decimalValue().intValue()).isEqualTo(2 * TOKENS_PER_CALL);

        // each model call is audited under the task's trace like any call
        JsonNode audit = json(server.get("/api/v1/audit?trace=" + done.path("traceId").asText() + "&limit=100",
            ADMIN_TOKEN));
        long modelCalls = 0;
        for (JsonNode r : audit.path("records")) {
            if (r.path("kind").asText().equals("call.outcome") && r.path("tool").asText().equals("model_chat")) {
                modelCalls++;
            }
        }
        assertThat(modelCalls).isEqualTo(2);
    }

    @Test
    void aTinyTokenCeilingStopsTheTask() {
        String id = submit("tiny", "t1", "what is six times seven?");
        JsonNode done = awaitEnd(id);
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("failed");
        assertThat(done.path("errorCode").asText()).isEqualTo("step_failed");
        JsonNode steps = done.path("steps");
        // the first model call was admitted (nothing spent yet) and spent 25 of 10: nothing runs after it
        assertThat(steps.get(0).path("status").asText()).isEqualTo("succeeded");
        JsonNode stopped = steps.get(1);
        assertThat(stopped.path("status").asText()).isEqualTo("failed");
        assertThat(stopped.path("outcome").asText()).isEqualTo("LIMITED");
        assertThat(stopped.path("attempts").asInt()).as("a budget is never retried").isEqualTo(1);
        assertThat(stopped.path("error").asText()).contains("tokens budget");
        assertThat(tokens("tiny", "t1").path("spent").decimalValue().intValue()).isEqualTo(TOKENS_PER_CALL);
    }

    @Test
    void aMalformedModelAnswerFailsTheStepCleanlyWithoutRetry() {
        String id = submit("metered", "b1", "this one is broken");
        JsonNode done = awaitEnd(id);
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("failed");
        JsonNode step = done.path("steps").get(0);
        assertThat(step.path("tool").asText()).isEqualTo("model_chat");
        assertThat(step.path("status").asText()).isEqualTo("failed");
        assertThat(step.path("errorCode").asText()).isEqualTo("model_bad_response");
        assertThat(step.path("attempts").asInt()).isEqualTo(1);
        assertThat(step.path("error").asText()).startsWith("model failure").doesNotContain("Exception");
        assertThat(tokens("metered", "b1").path("spent").decimalValue().intValue()).isZero();
    }
}
