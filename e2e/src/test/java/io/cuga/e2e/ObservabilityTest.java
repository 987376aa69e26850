package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The observability feature as an operator meets it on the running distribution: {@code /metrics} (open,
 * Prometheus text, checked by promtool), the server-sent event stream, and the JSON Lines file with redaction.
 */
class ObservabilityTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);

    static CugaServer server;

    @BeforeAll
    static void start() {
        server = CugaServer.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** @return the value of a sample with exactly these labels, or null */
    static Double sample(String exposition, String name, String... labels) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{(.*)\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(exposition);
        while (m.find()) {
            Map<String, String> found = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher label = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(2));
                while (label.find()) {
                    found.put(label.group(1), label.group(2));
                }
            }
            if (found.equals(wanted)) {
                return Double.parseDouble(m.group(3));
            }
        }
        return null;
    }

    static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    String metrics() {
        HttpResponse<String> response = server.get("/metrics", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    HttpResponse<String> calculate(String expression) {
        return server.invoke("calculator", AGENT_TOKEN, Map.of("expression", expression));
    }

    @Test
    void metricsAreOpenAndCountCallsWithAHistogram() {
        HttpResponse<String> open = server.get("/metrics", null);
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(server.get("/metrics", "not-a-token").statusCode()).as("a token is ignored").isEqualTo(200);

        // the policies loaded at start have their policy series from the start, before any edit
        assertThat(poll(GENEROUS, () -> sample(metrics(), "cuga_policy_reloads_total", "profile", "default") != null
            && sample(metrics(), "cuga_policy_rejections_total", "profile", "default") != null)).as(metrics())
            .isTrue();

        String before = metrics();
        double okBefore = orZero(sample(before, "cuga_tool_calls_total", "profile", "default",
            "status", "ok", "tool", "calculator",
            "verdict", "allow"));
        double countBefore = orZero(sample(before, "gen_ai_execute_tool_duration_seconds_count", "profile", "default",
            "status", "ok",
            "tool", "calculator"));
        double invalidBefore = orZero(sample(before, "cuga_tool_calls_total", "profile", "default",
            "status", "invalid_arguments",
            "tool", "calculator", "verdict", "allow"));

        for (int i = 0; i < 5; i++) {
            assertThat(calculate(i + "*2").statusCode()).isEqualTo(200);
        }
        assertThat(server.invoke("calculator", AGENT_TOKEN, Map.of("nope", 1)).statusCode()).isEqualTo(422);
        assertThat(server.invoke("no_such_tool", AGENT_TOKEN, Map.of()).statusCode()).isEqualTo(404);

        // the meters follow the events a few milliseconds later, in their order: the 404 call's series is the
        // last to appear, and each call updates its counter before its histogram
        assertThat(poll(GENEROUS, () -> {
            String m = metrics();
            return orZero(sample(m, "cuga_tool_calls_total", "profile", "default", "status", "ok", "tool",
                "calculator", "verdict", "allow")) == okBefore + 5
                && orZero(sample(m, "gen_ai_execute_tool_duration_seconds_count", "profile", "default", "status",
                    "ok", "tool", "calculator")) == countBefore + 5
                && sample(m, "cuga_tool_calls_total", "profile", "default", "status", "not_found", "tool",
                    "_unknown", "verdict", "allow") != null;
        })).as(metrics()).isTrue();
        String after = metrics();
        assertThat(sample(after, "gen_ai_execute_tool_duration_seconds_count", "profile", "default",
            "status", "ok", "tool", "calculator"))
            .isEqualTo(countBefore + 5);
        assertThat(sample(after, "gen_ai_execute_tool_duration_seconds_bucket", "profile", "default",
            "status", "ok", "tool",
            "calculator", "le", "+Inf")).isEqualTo(countBefore + 5);
        assertThat(sample(after, "gen_ai_execute_tool_duration_seconds_bucket", "profile", "default",
            "status", "ok", "tool",
            "calculator", "le", "60.0")).isEqualTo(countBefore + 5);
        assertThat(sample(after, "gen_ai_execute_tool_duration_seconds_sum", "profile", "default",
            "status", "ok", "tool", "calculator"))
            .isPositive();
        assertThat(after).contains("# TYPE gen_ai_execute_tool_duration_seconds histogram");
        assertThat(poll(GENEROUS, () -> orZero(sample(metrics(), "cuga_tool_calls_total", "profile", "default",
            "status",
            "invalid_arguments", "tool", "calculator", "verdict", "allow")) == invalidBefore + 1)).isTrue();
        assertThat(sample(metrics(), "cuga_tool_calls_total", "profile", "default",
            "status", "not_found", "tool", "_unknown", "verdict",
            "allow")).isPositive();
        assertThat(sample(after, "cuga_decisions_total", "profile", "default", "guardrail", "none",
            "verdict", "allow")).isPositive();
        assertThat(sample(after, "cuga_tools_visible")).isGreaterThanOrEqualTo(1.0);
        for (String sink : List.of("jsonl", "prometheus")) {
            assertThat(sample(after, "cuga_exporter_dropped_events_total", "sink", sink)).as(sink).isEqualTo(0.0);
        }
        assertThat(after).contains("jvm_memory_used_bytes{", "process_cpu_seconds_total ");
    }

    @Test
    void promtoolAcceptsTheLiveMetrics() throws Exception {
        Path promtool = null;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) {
                promtool = Path.of(dir, "promtool");
                break;
            }
        }
        boolean required = Boolean.getBoolean("cuga.e2e.require.promtool");
        if (promtool == null) {
            assertThat(required).as("promtool is required (cuga.e2e.require.promtool=true) but not on the PATH; "
                + "install the Debian package prometheus").isFalse();
            assumeTrue(false, "promtool is not installed (Debian package prometheus)");
        }
        // some traffic first, so every kind of series is in the output
        calculate("1+1");
        server.invoke("calculator", AGENT_TOKEN, Map.of("nope", 1));
        assertThat(poll(GENEROUS, () -> sample(metrics(), "gen_ai_execute_tool_duration_seconds_count", "profile", "default",
            "status",
            "invalid_arguments", "tool", "calculator") != null)).isTrue();
        String exposition = metrics();
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said: " + said).isZero();
        assertThat(said).isBlank();
    }

    /** A server-sent events stream read line by line on a thread of its own. */
    static final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Stream(String token) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/api/v1/events")).GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** @return the data of the first event of this type whose data satisfies the test, or null */
        JsonNode await(String type, java.util.function.Predicate<JsonNode> test, Duration timeout)
            throws Exception {
            long end = System.nanoTime() + timeout.toNanos();
            String event = null;
            while (System.nanoTime() < end) {
                String line = lines.poll(50, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:") && type.equals(event)) {
                    JsonNode data = CugaServer.JSON.readTree(line.substring(5).strip());
                    if (test.test(data)) {
                        return data;
                    }
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    @Test
    void theEventStreamDeliversACallsCompletionToAnAdmin() throws Exception {
        try (Stream anonymous = new Stream(null); Stream agent = new Stream(AGENT_TOKEN)) {
            assertThat(anonymous.response.statusCode()).isEqualTo(401);
            assertThat(agent.response.statusCode()).isEqualTo(403);
        }
        try (Stream stream = new Stream(ADMIN_TOKEN)) {
            assertThat(stream.response.statusCode()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type").orElse(""))
                .startsWith("text/event-stream");
            // the stream is open once its greeting arrived
            assertThat(poll(GENEROUS, () -> stream.lines.contains(": connected"))).isTrue();
            HttpResponse<String> call = calculate("6*7");
            assertThat(call.statusCode()).isEqualTo(200);
            String callId = json(call).path("callId").asText();
            JsonNode complete = stream.await("tool.call.complete",
                d -> d.at("/attributes/callId").asText().equals(callId), GENEROUS);
            assertThat(complete).as("tool.call.complete for " + callId).isNotNull();
            assertThat(complete.at("/attributes/tool").asText()).isEqualTo("calculator");
            assertThat(complete.path("status").asText()).isEqualTo("ok");
            assertThat(complete.path("durationNanos").asLong()).isPositive();
            assertThat(complete.path("traceId").asText()).matches("[0-9a-f]{32}");
            // while a stream is open the stream is an exporter like the others, with its own drop count
            assertThat(sample(metrics(), "cuga_exporter_dropped_events_total", "sink", "sse")).isEqualTo(0.0);
        }
    }

    @Test
    void theJsonLinesFileHasEveryEventAndNoSecret() throws Exception {
        Path file = server.data.resolve("events/events.jsonl");
        HttpResponse<String> call = calculate("2**10");
        String callId = json(call).path("callId").asText();
        assertThat(poll(GENEROUS, () -> read(file).contains(callId))).as("the call in " + file).isTrue();

        // a bundle publishes an event with secrets in its attributes, nested too
        Jars.drop(server.deploy, "probe-publisher.jar", EventProbes.publisher(server.work.resolve("probes")));
        assertThat(poll(GENEROUS, () -> read(file).contains(EventProbes.PROBE_EVENT)))
            .as(server.logTail()).isTrue();
        String text = read(file);
        for (String secret : EventProbes.SECRETS) {
            assertThat(text).doesNotContain(secret);
        }
        JsonNode probe = null;
        List<String> types = new ArrayList<>();
        for (String line : text.split("\n")) {
            JsonNode node = CugaServer.JSON.readTree(line);
            types.add(node.path("type").asText());
            if (node.path("type").asText().equals(EventProbes.PROBE_EVENT)) {
                probe = node;
            }
        }
        assertThat(types).contains("tool.added", "tool.call.start", "tool.call.complete", "exporter.stats");
        JsonNode attributes = probe.path("attributes");
        assertThat(attributes.path("visible").asText()).isEqualTo("hello from a probe");
        assertThat(attributes.path("api_key").asText()).isEqualTo("[REDACTED]");
        assertThat(attributes.at("/arguments/headers/0/Authorization").asText()).isEqualTo("[REDACTED]");
        assertThat(attributes.at("/arguments/url").asText()).isEqualTo("https://example.org/");
        assertThat(attributes.at("/login/Password").asText()).isEqualTo("[REDACTED]");
        assertThat(attributes.at("/login/user").asText()).isEqualTo("alice");
        assertThat(probe.path("session").asText()).isEqualTo("e2e");
        assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
            .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
