package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.APPROVER_TOKEN;
import static io.cuga.e2e.CugaServer.JSON;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Agent tasks against the running distribution: the scenarios multi-agent dispatch, profile isolation,
 * approval gates, budget enforcement (task limits), error recovery (retry, partial success, resume) and
 * multi-turn sessions, plus the task event stream and bad input. Every step is a real guarded call, so the audit
 * trail under the task's trace id holds the planning and routing decisions and each call.
 */
class TaskTest {

    /** Profile readonly: only the calculator. Profile gated: every calculator call needs a human. */
    private static final String READONLY = """
        profile: readonly
        guardrails: [allowlist, redaction]
        allowlist:
          allow: [calculator]
          bundles: ["*"]
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

    private static CugaServer server;

    @BeforeAll
    static void start() throws Exception {
        server = CugaServer.start(config -> {
            Files.writeString(config.resolve("policies/readonly.yaml"), READONLY, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("policies/gated.yaml"), GATED, StandardCharsets.UTF_8);
            Path auth = config.resolve("cuga.auth.cfg");
            Files.writeString(auth, Files.readString(auth) + "\nenv.token.profile = *\n", StandardCharsets.UTF_8);
            // tools time out after a second, so a slow echo is a retryable timeout
            Path dispatcher = config.resolve("cuga.dispatcher.cfg");
            Files.writeString(dispatcher, Files.readString(dispatcher) + "\ndefault.timeout.millis = 1000\n",
                StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.agents.cfg"), "retry.policy = exponential\n"
                + "retry.max.attempts = 3\nretry.base.millis = 100\nretry.jitter = 0.2\n", StandardCharsets.UTF_8);
        });
        Jars.drop(server.deploy, "sample.jar", Files.readAllBytes(Paths.get(System.getProperty("cuga.sample.jar"))));
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> server.toolNames().contains("sample_echo")))
            .as("sample_echo deployed").isTrue();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static HttpResponse<String> submit(String profile, String session, Map<String, Object> body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (profile != null) {
                b.header("X-Cuga-Profile", profile);
            }
            if (session != null) {
                b.header("X-Cuga-Session", session);
            }
            return server.send(b, AGENT_TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode body = json(response);
        assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/tasks/" + body.path("id").asText());
        assertThat(body.path("links").path("events").asText()).endsWith("/events");
        return body.path("id").asText();
    }

    private static JsonNode task(String id) {
        HttpResponse<String> r = server.get("/api/v1/tasks/" + id, AGENT_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    private static JsonNode awaitStatus(String id, String... statuses) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        Set<String> wanted = Set.of(statuses);
        boolean reached = CugaServer.poll(Duration.ofSeconds(60), () -> {
            last.set(task(id));
            return wanted.contains(last.get().path("status").asText());
        });
        assertThat(reached).as("task " + id + " to reach " + wanted + ", last: " + last.get()).isTrue();
        return last.get();
    }

    private static List<String> kinds(JsonNode audit) {
        List<String> kinds = new ArrayList<>();
        audit.path("records").forEach(r -> kinds.add(r.path("kind").asText()));
        return kinds;
    }

    // ---------------------------------------------------------------------------------------------- scenarios

    @Test
    void multiAgentDispatchRunsEachStepOnAWorkerThroughTheGuardedPathAndAuditsEveryDecision() {
        String id = accepted(submit(null, null, Map.of("goal",
            "calculate (2+3)*7 then calculate 6*7 then calculate 2**10")));
        JsonNode done = awaitStatus(id, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("plan").path("planner").asText()).isEqualTo("offline");
        JsonNode steps = done.path("steps");
        assertThat(steps).hasSize(3);
        Set<String> workers = new HashSet<>();
        for (JsonNode s : steps) {
            assertThat(s.path("status").asText()).isEqualTo("succeeded");
            assertThat(s.path("outcome").asText()).isEqualTo("OK");
            assertThat(s.path("decision").path("verdict").asText()).isIn("ALLOW", "WARN");
            assertThat(s.path("callId").asText()).isNotEmpty();
            workers.add(s.path("worker").asText());
        }
        assertThat(workers).as("round robin over three workers").hasSize(3);
        assertThat(steps.get(0).path("result").path("value").asInt()).isEqualTo(35);
        assertThat(done.path("answer").path("value").asInt()).isEqualTo(1024);
        assertThat(done.path("toolCalls").asInt()).isEqualTo(3);

        // one trace ties the task's decisions and calls together in the audit trail
        JsonNode audit = json(server.get("/api/v1/audit?trace=" + done.path("traceId").asText() + "&limit=100",
            ADMIN_TOKEN));
        List<String> kinds = kinds(audit);
        assertThat(kinds.stream().filter("agent.decision"::equals)).hasSize(4); // one plan, three routes
        assertThat(kinds.stream().filter("call.outcome"::equals)).hasSize(3);
        JsonNode route = null;
        for (JsonNode r : audit.path("records")) {
            if (r.path("kind").asText().equals("agent.decision") && r.path("data").path("stage").asText()
                .equals("route")) {
                route = r;
            }
        }
        assertThat(route).isNotNull();
        assertThat(route.path("data").path("alternatives")).hasSize(2);
        assertThat(route.path("data").path("reason").asText()).contains("round robin");
        assertThat(route.path("data").has("confidence")).isTrue();
    }

    @Test
    void aProfileSeesOnlyItsToolsAndAnAgentOnlyItsTasks() {
        HttpResponse<String> refused = submit("readonly", null, Map.of("plan",
            List.of(Map.of("tool", "sample_echo", "arguments", Map.of("message", "hi")))));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(json(refused).path("error").path("details").path("field").asText()).isEqualTo("plan[0].tool");
        // planning under readonly never picks a hidden tool: an echo goal has no plan there
        String id = accepted(submit("readonly", null, Map.of("goal", "echo 'hello'")));
        JsonNode failed = awaitStatus(id, "failed", "completed");
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("errorCode").asText()).isEqualTo("no_plan");
        // the calculator is visible there
        String calc = accepted(submit("readonly", null, Map.of("goal", "what is 9*9?")));
        assertThat(awaitStatus(calc, "completed", "failed").path("answer").path("value").asInt()).isEqualTo(81);
        // the approver (another principal) cannot see the agent's task: 404, not 403
        assertThat(server.get("/api/v1/tasks/" + calc, APPROVER_TOKEN).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/tasks/" + calc, ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void aStepNeedingApprovalPausesTheTaskUntilAHumanDecides() throws Exception {
        String id = accepted(submit("gated", null, Map.of("goal", "calculate 20+22")));
        JsonNode waiting = awaitStatus(id, "waiting_approval", "failed", "completed");
        assertThat(waiting.path("status").asText()).isEqualTo("waiting_approval");
        JsonNode step = waiting.path("steps").get(0);
        assertThat(step.path("status").asText()).isEqualTo("waiting_approval");
        String approval = step.path("approvalId").asText();
        assertThat(approval).isNotEmpty();
        HttpResponse<String> approved = server.post("/api/v1/approvals/" + approval + "/approve", APPROVER_TOKEN,
            "application/json", "{\"reason\":\"fine\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        JsonNode done = awaitStatus(id, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("answer").path("value").asInt()).isEqualTo(42);

        String rejectedTask = accepted(submit("gated", null, Map.of("goal", "calculate 1+1")));
        String second = awaitStatus(rejectedTask, "waiting_approval").path("steps").get(0).path("approvalId")
            .asText();
        assertThat(server.post("/api/v1/approvals/" + second + "/reject", APPROVER_TOKEN, "application/json",
            "{\"reason\":\"not today\"}").statusCode()).isEqualTo(200);
        JsonNode failed = awaitStatus(rejectedTask, "failed", "completed");
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("steps").get(0).path("errorCode").asText()).isEqualTo("approval_rejected");
        assertThat(failed.path("steps").get(0).path("error").asText()).contains("not today");
    }

    @Test
    void limitsEndATaskWithAClearStatusNeverSilently() {
        // more steps than the request allows: refused before anything runs
        String tooLong = accepted(submit(null, null, Map.of("goal", "calculate 1+1 then calculate 2+2 then "
            + "calculate 3+3", "limits", Map.of("maxSteps", 2))));
        JsonNode failed = awaitStatus(tooLong, "failed", "completed");
        assertThat(failed.path("errorCode").asText()).isEqualTo("limit_exceeded");
        assertThat(failed.path("error").asText()).contains("max_steps is 2");
        assertThat(failed.path("toolCalls").asInt()).isZero();

        // a tool-call budget: two calls run, the third is refused by the limit
        String calls = accepted(submit(null, null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "1+1")),
            Map.of("tool", "calculator", "arguments", Map.of("expression", "2+2")),
            Map.of("tool", "calculator", "arguments", Map.of("expression", "3+3"))),
            "limits", Map.of("maxToolCalls", 2))));
        JsonNode limited = awaitStatus(calls, "failed", "completed");
        assertThat(limited.path("errorCode").asText()).isEqualTo("limit_exceeded");
        assertThat(limited.path("error").asText()).contains("max_tool_calls is 2");
        assertThat(limited.path("toolCalls").asInt()).isEqualTo(2);
        assertThat(limited.path("steps").get(1).path("status").asText()).isEqualTo("succeeded");
        assertThat(limited.path("steps").get(2).path("status").asText()).isEqualTo("failed");

        // wall time: a step slower than the task may take
        String slow = accepted(submit(null, null, Map.of("plan", List.of(Map.of("tool", "sample_echo",
            "arguments", Map.of("message", "slow", "delay_millis", 3000))), "limits", Map.of("maxWallSeconds", 1))));
        JsonNode timedOut = awaitStatus(slow, "failed", "completed");
        assertThat(timedOut.path("errorCode").asText()).isEqualTo("limit_exceeded");
    }

    @Test
    void retryableFailuresAreRetriedOthersAreNotAndPartialResultsAreKept() {
        String id = accepted(submit(null, null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "6*7")),
            Map.of("tool", "sample_echo", "arguments", Map.of("message", "slow", "delay_millis", 3000)),
            Map.of("tool", "calculator", "arguments", Map.of("expression", "1+1"))))));
        JsonNode failed = awaitStatus(id, "failed", "completed");
        assertThat(failed.path("errorCode").asText()).isEqualTo("step_failed");
        JsonNode steps = failed.path("steps");
        assertThat(steps.get(0).path("status").asText()).isEqualTo("succeeded");
        assertThat(steps.get(0).path("result").path("value").asInt()).isEqualTo(42);
        assertThat(steps.get(1).path("status").asText()).isEqualTo("failed");
        assertThat(steps.get(1).path("outcome").asText()).isEqualTo("TIMEOUT");
        assertThat(steps.get(1).path("attempts").asInt()).as("a timeout is retried").isEqualTo(3);
        assertThat(steps.get(1).path("error").asText()).contains("tool failure after 3 attempts");
        assertThat(steps.get(2).path("status").asText()).isEqualTo("pending");

        // a user error (bad input to the tool) is not retried
        String bad = accepted(submit(null, null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "1/0"))))));
        JsonNode badDone = awaitStatus(bad, "failed", "completed");
        assertThat(badDone.path("steps").get(0).path("attempts").asInt()).isEqualTo(1);

        // resume runs again from the failed step; the first step's result stands
        HttpResponse<String> resumed = server.post("/api/v1/tasks/" + id + "/resume", AGENT_TOKEN,
            "application/json", "{}");
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        JsonNode again = awaitStatus(id, "failed", "completed");
        assertThat(again.path("steps").get(0).path("attempts").asInt()).isEqualTo(1);
        assertThat(again.path("steps").get(1).path("attempts").asInt()).isEqualTo(6);
        assertThat(again.path("toolCalls").asInt()).isEqualTo(7);
    }

    @Test
    void aSessionCarriesTheLastAnswerIntoTheNextTask() {
        String first = accepted(submit(null, "chat-1", Map.of("goal", "calculate (2+3)*7")));
        assertThat(awaitStatus(first, "completed", "failed").path("answer").path("value").asInt()).isEqualTo(35);
        String second = accepted(submit(null, "chat-1", Map.of("goal", "calculate the previous result * 2")));
        JsonNode done = awaitStatus(second, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("steps").get(0).path("arguments").path("expression").asText()).isEqualTo("35 * 2");
        assertThat(done.path("answer").path("value").asInt()).isEqualTo(70);
        // another session knows nothing of it
        String other = accepted(submit(null, "chat-2", Map.of("goal", "calculate the previous result * 2")));
        assertThat(awaitStatus(other, "failed", "completed").path("errorCode").asText()).isEqualTo("no_plan");

        JsonNode list = json(server.get("/api/v1/tasks?session=chat-1", AGENT_TOKEN));
        List<String> ids = new ArrayList<>();
        list.path("tasks").forEach(t -> ids.add(t.path("id").asText()));
        assertThat(ids).containsExactly(second, first);
    }

    @Test
    void memoryAugmentedPlanningUsesWhatAnEarlierTaskOfTheSessionStoredAndNoOtherProfileSeesIt() {
        String first = accepted(submit(null, "rent", Map.of("goal", "calculate the yearly rent 1200*12")));
        assertThat(awaitStatus(first, "completed", "failed").path("answer").path("value").asInt()).isEqualTo(14400);
        // another task in between, so the rent is not merely the session's last answer
        String between = accepted(submit(null, "rent", Map.of("goal", "calculate 5+5")));
        assertThat(awaitStatus(between, "completed", "failed").path("answer").path("value").asInt()).isEqualTo(10);
        String second = accepted(submit(null, "rent", Map.of("goal", "calculate the yearly rent / 12")));
        JsonNode done = awaitStatus(second, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("steps").get(0).path("arguments").path("expression").asText()).isEqualTo("14400 / 12");
        assertThat(done.path("answer").path("value").asInt()).isEqualTo(1200);
        assertThat(done.path("plan").path("explanation").asText()).contains("from memory");
        // the same session name under another profile remembers nothing of it
        String other = accepted(submit("readonly", "rent", Map.of("goal", "calculate the yearly rent / 12")));
        JsonNode isolated = awaitStatus(other, "completed", "failed");
        assertThat(isolated.path("plan").path("explanation").asText()).doesNotContain("from memory");
        assertThat(isolated.path("answer").path("value").asInt()).isNotEqualTo(1200);
    }

    @Test
    void theEventStreamFollowsATaskToItsEnd() throws Exception {
        String id = accepted(submit("gated", null, Map.of("goal", "calculate 3*3")));
        String approval = awaitStatus(id, "waiting_approval").path("steps").get(0).path("approvalId").asText();
        Followed stream = followWhile(id, () -> server.post("/api/v1/approvals/" + approval
            + "/approve", APPROVER_TOKEN, "application/json", "{\"reason\":\"ok\"}"));
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.contentType()).startsWith("text/event-stream");
        assertThat(stream.body()).contains("event: agent.step.end").contains("event: execution.complete")
            .contains("event: task.end");
        assertThat(stream.body().indexOf("event: execution.complete"))
            .isLessThan(stream.body().indexOf("event: task.end"));
        // a finished task's stream gives its end at once
        HttpResponse<String> after = server.get("/api/v1/tasks/" + id + "/events", AGENT_TOKEN);
        assertThat(after.body()).contains("event: task.end").contains("\"status\":\"completed\"");
    }

    @Test
    void theParentsEventStreamShowsItsSubTasksEventsMarkedWithTheSubTaskId() throws Exception {
        // the first step waits for a human, so the stream is open before the sub-task runs
        String id = accepted(submit("gated", null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "4*4")),
            Map.of("task", Map.of("plan", List.of(
                Map.of("tool", "sample_echo", "arguments", Map.of("message", "inner")))))))));
        String approval = awaitStatus(id, "waiting_approval").path("steps").get(0).path("approvalId").asText();
        Followed stream = followWhile(id, () -> server.post("/api/v1/approvals/" + approval
            + "/approve", APPROVER_TOKEN, "application/json", "{\"reason\":\"ok\"}"));
        assertThat(stream.statusCode()).isEqualTo(200);
        JsonNode done = awaitStatus(id, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        String child = done.path("steps").get(1).path("subtask").path("id").asText();
        assertThat(child).isNotEmpty().isNotEqualTo(id);

        List<String> own = new ArrayList<>();
        List<String> nested = new ArrayList<>();
        List<String> ends = new ArrayList<>();
        for (String frame : stream.body().split("\n\n")) {
            String type = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (type == null || data == null) {
                continue;
            }
            if (type.equals("task.end")) {
                ends.add(CugaServer.JSON.readTree(data).path("id").asText());
                continue;
            }
            JsonNode attrs = CugaServer.JSON.readTree(data).path("attributes");
            if (attrs.has("subtaskId") && attrs.path("taskId").asText().equals(child)) {
                assertThat(attrs.path("subtaskId").asText()).isEqualTo(child);
                nested.add(type);
            } else {
                assertThat(attrs.path("taskId").asText()).as(type).isEqualTo(id);
                own.add(type);
            }
        }
        assertThat(nested).as("the sub-task's execution and step events reach the parent's stream")
            .containsSubsequence("execution.start", "agent.step.start", "agent.step.end", "execution.complete");
        assertThat(own).containsSubsequence("agent.step.end", "agent.step.start", "agent.step.end",
            "execution.complete");
        assertThat(ends).as("one end: the parent's, not the sub-task's").containsExactly(id);
        // the sub-task keeps a stream of its own: ended, it gives its end at once
        HttpResponse<String> childStream = server.get("/api/v1/tasks/" + child + "/events", AGENT_TOKEN);
        assertThat(childStream.body()).contains("event: task.end").contains("\"id\":\"" + child + "\"");
    }

    @Test
    void aResumedTaskKeepsItsLinkToTheCallersSpan() throws Exception {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        HttpRequest.Builder events = HttpRequest.newBuilder(server.uri("/api/v1/events?types=execution.*"))
            .header("Authorization", "Bearer " + ADMIN_TOKEN).GET();
        HttpResponse<java.util.stream.Stream<String>> stream = server.http.send(events.build(),
            HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> stream.body().forEach(lines::add), "task-events");
        reader.setDaemon(true);
        reader.start();
        try {
            // a plan that fails: 1/0 is a user error, not retried
            HttpResponse<String> submitted = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json").header("traceparent", "00-" + trace + "-" + callerSpan
                    + "-01").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("plan",
                        List.of(Map.of("tool", "calculator", "arguments", Map.of("expression", "1/0"))))))),
                AGENT_TOKEN);
            String id = accepted(submitted);
            JsonNode failed = awaitStatus(id, "failed", "completed");
            assertThat(failed.path("traceId").asText()).isEqualTo(trace);
            HttpResponse<String> resumed = server.post("/api/v1/tasks/" + id + "/resume", AGENT_TOKEN,
                "application/json", "{}");
            assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
            assertThat(awaitStatus(id, "failed", "completed").path("steps").get(0).path("attempts").asInt())
                .isEqualTo(2);

            // both runs' execution events (what the invoke_agent span is made of) name the caller's span
            List<JsonNode> runs = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String type = null;
            while (runs.size() < 4 && System.nanoTime() < end) {
                String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("data:") && type != null) {
                    JsonNode attrs = JSON.readTree(line.substring(5).strip()).path("attributes");
                    if (attrs.path("taskId").asText().equals(id)) {
                        runs.add(((ObjectNode) attrs.deepCopy()).put("type", type));
                    }
                }
            }
            assertThat(runs).extracting(a -> a.path("type").asText())
                .containsExactly("execution.start", "execution.error", "execution.start", "execution.error");
            for (JsonNode attrs : runs) {
                assertThat(attrs.path("parentSpanId").asText()).as(attrs.toString()).isEqualTo(callerSpan);
                assertThat(attrs.path("spanId").asText()).isEqualTo(runs.get(0).path("spanId").asText());
            }
        } finally {
            stream.body().close();
        }
    }

    @Test
    void nestedOrchestrationRunsSubTasksUnderTheParentsProfileTraceAndLimits() {
        // a plan whose second step is an explicit sub-task and whose third a sub-task the planner plans
        String id = accepted(submit(null, null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "6*7")),
            Map.of("task", Map.of("plan", List.of(
                Map.of("tool", "calculator", "arguments", Map.of("expression", "2+3")),
                Map.of("tool", "sample_echo", "arguments", Map.of("message", "nested"))))),
            Map.of("task", Map.of("goal", "calculate 2**10"))))));
        JsonNode done = awaitStatus(id, "completed", "failed");
        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.path("plan").path("steps").get(1).path("task").path("plan")).hasSize(2);
        JsonNode steps = done.path("steps");
        assertThat(steps).hasSize(3);
        JsonNode explicit = steps.get(1);
        assertThat(explicit.path("tool").asText()).isEqualTo("task");
        assertThat(explicit.path("status").asText()).isEqualTo("succeeded");
        JsonNode sub = explicit.path("subtask");
        assertThat(sub.path("status").asText()).isEqualTo("completed");
        assertThat(sub.path("traceId").asText()).isEqualTo(done.path("traceId").asText());
        assertThat(sub.path("profile").asText()).isEqualTo(done.path("profile").asText());
        assertThat(sub.path("steps")).hasSize(2);
        assertThat(sub.path("steps").get(0).path("result").path("value").asInt()).isEqualTo(5);
        assertThat(explicit.path("result").toString()).as("the sub-task's answer is the step's result")
            .isEqualTo(sub.path("answer").toString()).contains("nested");
        JsonNode planned = steps.get(2).path("subtask");
        assertThat(planned.path("plan").path("planner").asText()).isEqualTo("offline");
        assertThat(steps.get(2).path("result").path("value").asInt()).isEqualTo(1024);
        assertThat(done.path("answer").path("value").asInt()).isEqualTo(1024);
        assertThat(done.path("toolCalls").asInt()).as("the sub-tasks' calls count for the parent").isEqualTo(4);
        // the sub-task is a task of its own, visible to its caller
        assertThat(task(sub.path("id").asText()).path("status").asText()).isEqualTo("completed");

        // every call, the sub-tasks' included, is in the audit trail under the one trace
        JsonNode audit = json(server.get("/api/v1/audit?trace=" + done.path("traceId").asText() + "&limit=100",
            ADMIN_TOKEN));
        assertThat(kinds(audit).stream().filter("call.outcome"::equals)).hasSize(4);

        // a sub-task's failure is the step's failure, with the failed call's own code, and not retried
        String failing = accepted(submit(null, null, Map.of("plan", List.of(Map.of("task", Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "1/0")))))))));
        JsonNode failed = awaitStatus(failing, "failed", "completed");
        assertThat(failed.path("errorCode").asText()).isEqualTo("step_failed");
        JsonNode failedStep = failed.path("steps").get(0);
        assertThat(failedStep.path("status").asText()).isEqualTo("failed");
        assertThat(failedStep.path("errorCode").asText()).isNotEmpty().isNotEqualTo("step_failed");
        assertThat(failedStep.path("subtask").path("status").asText()).isEqualTo("failed");
        assertThat(failedStep.path("subtask").path("steps").get(0).path("attempts").asInt()).isEqualTo(1);

        // the sub-task's steps count against the parent's max_steps
        HttpResponse<String> tooMany = submit(null, null, Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "1+1")),
            Map.of("task", Map.of("plan", List.of(
                Map.of("tool", "calculator", "arguments", Map.of("expression", "2+2")))))),
            "limits", Map.of("maxSteps", 2)));
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(422);
        assertThat(tooMany.body()).contains("max_steps");

        // depth is bounded (max_depth 3 by default)
        Map<String, Object> leaf = Map.of("tool", "calculator", "arguments", Map.of("expression", "1+1"));
        Map<String, Object> nested = leaf;
        for (int i = 0; i < 4; i++) {
            nested = Map.of("task", Map.of("plan", List.of(nested)));
        }
        HttpResponse<String> tooDeep = submit(null, null, Map.of("plan", List.of(nested)));
        assertThat(tooDeep.statusCode()).as(tooDeep.body()).isEqualTo(422);
        assertThat(tooDeep.body()).contains("max_depth");
        HttpResponse<String> badTask = submit(null, null, Map.of("plan", List.of(Map.of("task", "x"))));
        assertThat(badTask.statusCode()).isEqualTo(400);
    }

    @Test
    void cancellingAParentCancelsItsRunningSubTask() {
        Map<String, Object> slow = Map.of("tool", "sample_echo", "arguments", Map.of("message", "slow",
            "delay_millis", 700));
        String id = accepted(submit(null, null, Map.of("plan", List.of(Map.of("task", Map.of("plan",
            List.of(slow, slow, slow, slow, slow, slow)))))));
        AtomicReference<String> child = new AtomicReference<>();
        assertThat(CugaServer.poll(Duration.ofSeconds(30), () -> {
            JsonNode t = task(id);
            // path, not get: until the task is planned it has no steps
            child.set(t.path("steps").path(0).path("subtask").path("id").asText(""));
            return !child.get().isEmpty();
        })).as("the sub-task started").isTrue();
        HttpResponse<String> cancel = server.post("/api/v1/tasks/" + id + "/cancel", AGENT_TOKEN,
            "application/json", "{}");
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        JsonNode parent = awaitStatus(id, "cancelled", "completed", "failed");
        assertThat(parent.path("status").asText()).as(parent.toString()).isEqualTo("cancelled");
        JsonNode sub = awaitStatus(child.get(), "cancelled", "completed", "failed");
        assertThat(sub.path("status").asText()).as(sub.toString()).isEqualTo("cancelled");
        assertThat(sub.path("toolCalls").asInt()).isLessThan(6);
    }

    @Test
    void badInputIsAClearJsonError() {
        HttpResponse<String> notString = submit(null, null, Map.of("goal", 5));
        assertThat(notString.statusCode()).isEqualTo(400);
        assertThat(json(notString).path("error").path("details").path("field").asText()).isEqualTo("goal");
        HttpResponse<String> unknown = submit(null, null, Map.of("goal", "x", "priority", "high"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).path("error").path("code").asText()).isEqualTo("unknown_field");
        HttpResponse<String> nothing = submit(null, null, Map.of());
        assertThat(nothing.statusCode()).isEqualTo(422);
        HttpResponse<String> badLimit = submit(null, null, Map.of("goal", "calculate 1+1", "limits",
            Map.of("maxSteps", -1)));
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(json(badLimit).path("error").path("details").path("field").asText()).isEqualTo("limits.maxSteps");
        HttpResponse<String> missing = server.get("/api/v1/tasks/no-such-task", AGENT_TOKEN);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing).path("error").path("code").asText()).isEqualTo("task_not_found");
        assertThat(server.get("/api/v1/tasks/x", null).statusCode()).isEqualTo(401);
        assertThat(server.post("/api/v1/tasks/no-such-task/cancel", AGENT_TOKEN, "application/json", "{}")
            .statusCode()).isEqualTo(404);
    }
    /** What a task's event stream gave: its status, content type and whole body. */
    private record Followed(int statusCode, String contentType, String body) {
    }

    /**
     * Opens a task's event stream, then does something (the stream only carries events from then on), and reads
     * the stream to its end. The server sends the headers with its first comment, after it subscribed, so once
     * {@code send} returns nothing the action causes can be missed.
     */
    private Followed followWhile(String id, Runnable action) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(server.uri("/api/v1/tasks/" + id + "/events"))
            .header("Authorization", "Bearer " + AGENT_TOKEN).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<InputStream> open = server.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = open.body()) {
            action.run();
            return new Followed(open.statusCode(), open.headers().firstValue("Content-Type").orElse(""),
                new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
