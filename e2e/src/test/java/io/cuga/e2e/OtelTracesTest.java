package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.APPROVER_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/**
 * Traces as an operator's collector receives them: the distribution started with {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 * pointing to an OTLP/HTTP receiver in this test, which decodes the protobuf requests. A call made with a
 * {@code traceparent} is an {@code execute_tool} span in the caller's trace, child of the caller's span, with one
 * {@code apply_guardrail} child per guardrail; a denied call is an error; an outbound {@code http_get} carries the
 * call's span as its parent; no secret argument value reaches the collector.
 */
class OtelTracesTest {

    static final Duration GENEROUS = Duration.ofSeconds(30);
    static final String SECRET = "e2e-otel-secret-7f3a";

    static final List<Span> SPANS = new CopyOnWriteArrayList<>();
    static final List<Resource> RESOURCES = new CopyOnWriteArrayList<>();
    static final List<String> RAW = new CopyOnWriteArrayList<>();
    static final List<String> OUTBOUND_TRACEPARENTS = new CopyOnWriteArrayList<>();
    static final ExecutorService THREADS = Executors.newCachedThreadPool();

    static HttpServer collector;
    static HttpServer target;
    static CugaServer server;

    @BeforeAll
    static void start() throws IOException {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                RAW.add(new String(body, StandardCharsets.ISO_8859_1));
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
                for (ResourceSpans rs : request.getResourceSpansList()) {
                    RESOURCES.add(rs.getResource());
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        SPANS.addAll(ss.getSpansList());
                    }
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        // a scripted chat-completions model on the same loopback server: it answers every turn with a text
        collector.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                    + "\"model\":\"scripted\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the model.\"}}],"
                    + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,\"total_tokens\":25}}")
                    .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        collector.setExecutor(THREADS);
        collector.start();

        target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        target.createContext("/hello", exchange -> {
            OUTBOUND_TRACEPARENTS.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        target.setExecutor(THREADS);
        target.start();

        Map<String, String> env = new LinkedHashMap<>();
        env.put("AGENT_TOKEN", AGENT_TOKEN);
        env.put("CUGA_APPROVER_TOKEN", APPROVER_TOKEN);
        env.put("CUGA_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort());
        env.put("OTEL_SERVICE_NAME", "cuga-e2e");
        env.put("OTEL_BSP_SCHEDULE_DELAY", "200");
        env.put("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true");
        server = CugaServer.start(Paths.get(System.getProperty("java.home")), env, config -> {
            // the loopback target may be reached over plain http
            Path policy = config.resolve("policies/default.yaml");
            String yaml = Files.readString(policy, StandardCharsets.UTF_8);
            String edited = yaml.replace("  schemes: [https]\n", "  schemes: [http, https]\n  allow_cidrs: [127.0.0.0/8]\n");
            assertThat(edited).isNotEqualTo(yaml);
            Files.writeString(policy, edited, StandardCharsets.UTF_8);
            // arguments and results go into the events, so the exporter's content capture has something to redact
            Files.writeString(config.resolve("cuga.dispatcher.cfg"), "events.include.content = true\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(config.resolve("cuga.model.openai.cfg"), "base.url = http://127.0.0.1:"
                + collector.getAddress().getPort() + "/v1\nmodel = scripted\ntimeout.millis = 10000\n",
                StandardCharsets.UTF_8);
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
        if (target != null) {
            target.stop(0);
        }
        THREADS.shutdownNow();
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }

    static HttpResponse<String> invoke(String tool, String traceparent, Map<String, Object> arguments)
        throws IOException {
        return server.send(HttpRequest.newBuilder(server.uri("/api/v1/tools/" + tool + "/invoke"))
            .header("Content-Type", "application/json")
            .header("traceparent", traceparent)
            .POST(HttpRequest.BodyPublishers.ofString(CugaServer.JSON.writeValueAsString(
                Map.of("arguments", arguments)))), AGENT_TOKEN);
    }

    /** Submits a task of one calculator step and a sub-task of another, with the caller's traceparent. */
    static HttpResponse<String> submitNestedTask(String traceparent) throws IOException {
        Map<String, Object> body = Map.of("plan", List.of(
            Map.of("tool", "calculator", "arguments", Map.of("expression", "6*7")),
            Map.of("task", Map.of("plan", List.of(
                Map.of("tool", "calculator", "arguments", Map.of("expression", "2+3")))))));
        return server.send(HttpRequest.newBuilder(server.uri("/api/v1/tasks"))
            .header("Content-Type", "application/json").header("traceparent", traceparent)
            .POST(HttpRequest.BodyPublishers.ofString(CugaServer.JSON.writeValueAsString(body))), AGENT_TOKEN);
    }

    static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    static String attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    static long longAttribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getIntValue();
            }
        }
        return -1;
    }

    static Optional<Span> spanWithId(String spanId) {
        return SPANS.stream().filter(s -> hex(s.getSpanId()).equals(spanId)).findFirst();
    }

    static List<Span> childrenOf(Span parent) {
        return SPANS.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
    }

    /** Waits for the execute_tool span of a call and all seven guardrail spans of the default policy. */
    static Span awaitCall(String callId, int guardrails) {
        String spanId = callId.substring(0, 16);
        boolean arrived = poll(GENEROUS, () -> spanWithId(spanId).map(s -> childrenOf(s).size() >= guardrails)
            .orElse(false));
        assertThat(arrived).as("spans of call %s at the collector; server log:\n%s", callId, server.logTail())
            .isTrue();
        return spanWithId(spanId).orElseThrow();
    }

    @Test
    void aCallWithATraceparentIsAnExecuteToolSpanInTheCallersTraceWithItsGuardrailsAsChildren() throws Exception {
        String trace = randomHex(16);
        String callerSpan = randomHex(8);
        HttpResponse<String> response = invoke("calculator", "00-" + trace + "-" + callerSpan + "-01",
            Map.of("expression", "6*7"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String callId = json(response).path("callId").asText();

        Span tool = awaitCall(callId, 7);
        assertThat(tool.getName()).isEqualTo("execute_tool calculator");
        assertThat(hex(tool.getTraceId())).isEqualTo(trace);
        assertThat(hex(tool.getParentSpanId())).isEqualTo(callerSpan);
        assertThat(tool.getStatus().getCode()).isNotEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attribute(tool, "gen_ai.operation.name")).isEqualTo("execute_tool");
        assertThat(attribute(tool, "gen_ai.tool.name")).isEqualTo("calculator");
        assertThat(attribute(tool, "gen_ai.tool.call.id")).isEqualTo(callId);
        assertThat(attribute(tool, "gen_ai.tool.type")).isEqualTo("function");
        assertThat(attribute(tool, "cuga.tool.bundle")).isEqualTo("cuga.tool.calculator");
        assertThat(attribute(tool, "cuga.tool.risk")).isNotEmpty();
        assertThat(attribute(tool, "gen_ai.tool.call.arguments")).contains("6*7");
        assertThat(tool.getEndTimeUnixNano()).isGreaterThan(tool.getStartTimeUnixNano());

        List<Span> guardrails = childrenOf(tool);
        assertThat(guardrails).extracting(Span::getName).containsExactlyInAnyOrder("apply_guardrail allowlist",
            "apply_guardrail schema", "apply_guardrail egress", "apply_guardrail ratelimit", "apply_guardrail budget",
            "apply_guardrail approval", "apply_guardrail redaction");
        for (Span g : guardrails) {
            assertThat(g.getTraceId()).isEqualTo(tool.getTraceId());
            assertThat(attribute(g, "gen_ai.operation.name")).isEqualTo("apply_guardrail");
            assertThat(attribute(g, "cuga.guardrail.verdict")).isEqualTo("allow");
            assertThat(g.getStartTimeUnixNano()).isBetween(tool.getStartTimeUnixNano(), tool.getEndTimeUnixNano());
            assertThat(g.getEndTimeUnixNano()).isBetween(g.getStartTimeUnixNano(), tool.getEndTimeUnixNano());
        }
        assertThat(RESOURCES.get(0).toString()).contains("cuga-e2e");
    }

    @Test
    void aDeniedCallIsAnErrorSpanAndTheDenyingGuardrailSaysSo() throws Exception {
        String trace = randomHex(16);
        HttpResponse<String> response = invoke("http_get", "00-" + trace + "-" + randomHex(8) + "-01",
            Map.of("url", "https://169.254.169.254/latest/meta-data"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        String callId = json(response).path("error").path("details").path("callId").asText();
        Span tool = awaitCall(callId, 3);
        assertThat(tool.getName()).isEqualTo("execute_tool http_get");
        assertThat(tool.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attribute(tool, "error.type")).isEqualTo("policy_denied");
        Span egress = childrenOf(tool).stream().filter(s -> s.getName().equals("apply_guardrail egress")).findFirst()
            .orElseThrow();
        assertThat(egress.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attribute(egress, "cuga.guardrail.verdict")).isEqualTo("deny");
        // the chain stopped at the deny: no span for guardrails that never ran
        assertThat(childrenOf(tool)).extracting(Span::getName).doesNotContain("apply_guardrail redaction");
    }

    @Test
    void anOutboundRequestCarriesTheExecuteToolSpanAsParentAndNoSecretReachesTheCollector() throws Exception {
        String trace = randomHex(16);
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + SECRET);
        headers.put("X-Api-Key", SECRET);
        HttpResponse<String> response = invoke("http_get", "00-" + trace + "-" + randomHex(8) + "-01",
            Map.of("url", "http://127.0.0.1:" + target.getAddress().getPort() + "/hello", "headers", headers));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String callId = json(response).path("callId").asText();

        Span tool = awaitCall(callId, 7);
        String expected = "00-" + trace + "-" + hex(tool.getSpanId()) + "-01";
        assertThat(OUTBOUND_TRACEPARENTS).contains(expected);
        assertThat(hex(tool.getSpanId())).isEqualTo(callId.substring(0, 16));
        String arguments = attribute(tool, "gen_ai.tool.call.arguments");
        assertThat(arguments).contains("/hello").contains("[REDACTED]").doesNotContain(SECRET);
        assertThat(attribute(tool, "gen_ai.tool.call.result")).contains("hello");
        // nothing the collector received, in any span or attribute, holds the secret
        assertThat(RAW).noneMatch(body -> body.contains(SECRET));
        for (Span s : SPANS) {
            assertThat(s.toString()).doesNotContain(SECRET);
        }
    }

    @Test
    void aCallerThatDoesNotRecordItsTraceGetsNoSpansForItsCallsNorItsTasks() throws Exception {
        String unrecorded = randomHex(16);
        HttpResponse<String> call = invoke("calculator", "00-" + unrecorded + "-" + randomHex(8) + "-00",
            Map.of("expression", "1+1"));
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        assertThat(call.headers().firstValue("traceparent").orElse("")).startsWith("00-" + unrecorded + "-")
            .endsWith("-00");
        HttpResponse<String> submitted = submitNestedTask("00-" + unrecorded + "-" + randomHex(8) + "-00");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String task = json(submitted).path("id").asText();
        assertThat(poll(GENEROUS, () -> json(server.get("/api/v1/tasks/" + task, AGENT_TOKEN)).path("status")
            .asText().equals("completed"))).as("the task ran").isTrue();

        // a recorded call after them: once its spans are at the collector, theirs would be too
        HttpResponse<String> recorded = invoke("calculator", "00-" + randomHex(16) + "-" + randomHex(8) + "-01",
            Map.of("expression", "2+2"));
        awaitCall(json(recorded).path("callId").asText(), 7);
        assertThat(SPANS).as("spans of the trace whose caller does not record it")
            .noneMatch(s -> hex(s.getTraceId()).equals(unrecorded));
    }

    @Test
    void aTaskIsAnInvokeAgentSpanUnderTheCallersSpanWithItsToolCallsAndSubTasksAsChildren() throws Exception {
        String trace = randomHex(16);
        String callerSpan = randomHex(8);
        HttpResponse<String> submitted = submitNestedTask("00-" + trace + "-" + callerSpan + "-01");
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        assertThat(json(submitted).path("traceId").asText()).as("the task joins the caller's trace")
            .isEqualTo(trace);

        // the task's span: a child of the caller's span, named after its planner
        boolean arrived = poll(GENEROUS, () -> SPANS.stream().anyMatch(s -> hex(s.getTraceId()).equals(trace)
            && hex(s.getParentSpanId()).equals(callerSpan) && s.getName().startsWith("invoke_agent")));
        assertThat(arrived).as("the task's invoke_agent span; server log:\n%s", server.logTail()).isTrue();
        Span agent = SPANS.stream().filter(s -> hex(s.getTraceId()).equals(trace)
            && hex(s.getParentSpanId()).equals(callerSpan)).findFirst().orElseThrow();
        assertThat(agent.getName()).isEqualTo("invoke_agent explicit");
        assertThat(attribute(agent, "gen_ai.operation.name")).isEqualTo("invoke_agent");
        assertThat(attribute(agent, "cuga.task.id")).isNotEmpty();
        assertThat(agent.getEndTimeUnixNano()).isGreaterThan(agent.getStartTimeUnixNano());

        // its own call and its sub-task's span are its children; the sub-task's call is the sub-task's child
        assertThat(poll(GENEROUS, () -> childrenOf(agent).size() >= 2)).as("children of %s", agent.getName())
            .isTrue();
        List<Span> children = childrenOf(agent);
        assertThat(children).extracting(Span::getName).containsExactlyInAnyOrder("execute_tool calculator",
            "invoke_agent explicit");
        Span sub = children.stream().filter(s -> s.getName().startsWith("invoke_agent")).findFirst().orElseThrow();
        assertThat(poll(GENEROUS, () -> childrenOf(sub).stream().anyMatch(s -> s.getName().equals(
            "execute_tool calculator")))).as("the sub-task's call under the sub-task's span").isTrue();
        for (Span s : SPANS) {
            if (hex(s.getTraceId()).equals(trace) && s.getName().startsWith("execute_tool")) {
                assertThat(s.getStartTimeUnixNano()).isGreaterThanOrEqualTo(agent.getStartTimeUnixNano());
            }
        }
    }

    @Test
    void aModelCallOfATaskIsAChatSpanNamedAfterTheModelWithItsTokenUsage() throws Exception {
        assertThat(poll(GENEROUS, () -> server.toolNames().contains("model_chat"))).as("model_chat registered")
            .isTrue();
        String trace = randomHex(16);
        HttpResponse<String> submitted = server.send(HttpRequest.newBuilder(server.uri("/api/v1/tasks"))
            .header("Content-Type", "application/json")
            .header("traceparent", "00-" + trace + "-" + randomHex(8) + "-01")
            .POST(HttpRequest.BodyPublishers.ofString("{\"goal\":\"say hello to the operator\"}")), AGENT_TOKEN);
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);

        boolean arrived = poll(GENEROUS, () -> SPANS.stream().anyMatch(s -> hex(s.getTraceId()).equals(trace)
            && s.getName().equals("chat scripted")) && SPANS.stream().anyMatch(s -> hex(s.getTraceId())
                .equals(trace) && s.getName().equals("invoke_agent model")));
        assertThat(arrived).as("chat and invoke_agent spans; server log:\n%s", server.logTail()).isTrue();
        Span chat = SPANS.stream().filter(s -> hex(s.getTraceId()).equals(trace) && s.getName().equals(
            "chat scripted")).findFirst().orElseThrow();
        Span agent = SPANS.stream().filter(s -> hex(s.getTraceId()).equals(trace) && s.getName().equals(
            "invoke_agent model")).findFirst().orElseThrow();
        assertThat(chat.getParentSpanId()).isEqualTo(agent.getSpanId());
        assertThat(attribute(chat, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(attribute(chat, "gen_ai.request.model")).isEqualTo("scripted");
        assertThat(longAttribute(chat, "gen_ai.usage.input_tokens")).isEqualTo(20);
        assertThat(longAttribute(chat, "gen_ai.usage.output_tokens")).isEqualTo(5);
    }
}
