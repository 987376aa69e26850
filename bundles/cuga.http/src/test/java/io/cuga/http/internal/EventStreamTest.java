package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.event.Event;

/** GET /api/v1/events in a real Jetty 12, mapped beside the API servlet as the whiteboard maps them. */
class EventStreamTest {

    static final String ADMIN = "admin-token-1";
    static final String AGENT = "agent-token-1";

    private EventStreamServlet events;
    private JettyHarness http;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        start(Map.of("client_buffer", 50, "max_clients", 3, "heartbeat_seconds", 1));
    }

    void start(Map<String, Object> config) throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("CUGA_ADMIN_TOKEN", ADMIN, "AGENT_TOKEN", AGENT), null, TokenTable.CONSTANT_TIME);
        events = new EventStreamServlet(auth, null, Configs.of(EventStreamServlet.Config.class, config));
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        Map<jakarta.servlet.Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(events, new String[] {EventStreamServlet.PATTERN});
        http = new JettyHarness(servlets);
    }

    @AfterEach
    void stop() throws Exception {
        events.deactivate();
        for (AutoCloseable c : open) {
            c.close();
        }
        http.close();
    }

    static Event event(String type, Map<String, Object> attributes) {
        return new Event(type, Instant.parse("2026-11-27T10:00:00Z"), "4bf92f3577b34da6a3ce929d0e0e4736", "default",
            "s1", "ok", 42, attributes);
    }

    /** Reads a stream's lines on a thread of its own. */
    final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader;
        volatile boolean ended;

        Stream(String query, String token) throws Exception {
            HttpRequest request = http.request(EventStreamServlet.PATTERN + query)
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).GET().build();
            response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // closed
                }
                ended = true;
            });
            reader.setDaemon(true);
            reader.start();
            open.add(this);
        }

        /** @return the next event's fields (id, event, data), skipping comments */
        Map<String, String> next(Duration timeout) throws InterruptedException {
            Map<String, String> fields = new LinkedHashMap<>();
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                String line = lines.poll(50, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (line.isEmpty()) {
                    if (fields.containsKey("event")) {
                        return fields;
                    }
                    fields.clear();
                } else if (!line.startsWith(":")) {
                    int colon = line.indexOf(':');
                    fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
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
    void anAdminGetsEveryEventAsServerSentEvents() throws Exception {
        Stream stream = new Stream("", ADMIN);
        assertThat(stream.response.statusCode()).isEqualTo(200);
        assertThat(stream.response.headers().firstValue("Content-Type")).contains(EventStreamServlet.EVENT_STREAM);
        assertThat(stream.response.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(stream.response.headers().firstValue("traceparent")).isPresent();
        awaitClients(1);

        events.accept(event("tool.call.complete", Map.of("tool", "calculator", "callId", "c-1",
            "nested", Map.of("list", List.of(1, "two")))));
        events.accept(event("tool.added", Map.of("tool", "sample_echo")));

        Map<String, String> first = stream.next(Duration.ofSeconds(5));
        assertThat(first).containsEntry("event", "tool.call.complete");
        JsonNode data = Json.MAPPER.readTree(first.get("data"));
        assertThat(data.path("type").asText()).isEqualTo("tool.call.complete");
        assertThat(data.path("time").asText()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(data.path("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(data.path("durationNanos").asLong()).isEqualTo(42);
        assertThat(data.at("/attributes/callId").asText()).isEqualTo("c-1");
        assertThat(data.at("/attributes/nested/list").toString()).isEqualTo("[1,\"two\"]");
        Map<String, String> second = stream.next(Duration.ofSeconds(5));
        assertThat(second).containsEntry("event", "tool.added");
        assertThat(Long.parseLong(second.get("id"))).isGreaterThan(Long.parseLong(first.get("id")));
    }

    @Test
    void heartbeatsKeepAQuietStreamAlive() throws Exception {
        Stream stream = new Stream("", ADMIN);
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean ping = false;
        while (!ping && System.nanoTime() < end) {
            ping = ": ping".equals(stream.lines.poll(100, TimeUnit.MILLISECONDS));
        }
        assertThat(ping).isTrue();
    }

    @Test
    void aTypeFilterSelectsEventsByNameOrPrefix() throws Exception {
        Stream stream = new Stream("?types=tool.call.*,policy.reloaded", ADMIN);
        awaitClients(1);
        events.accept(event("tool.added", Map.of()));
        events.accept(event("tool.call.start", Map.of()));
        events.accept(event("policy.rejected", Map.of()));
        events.accept(event("policy.reloaded", Map.of()));
        events.accept(event("tool.call.error", Map.of()));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(stream.next(Duration.ofSeconds(5)).get("event"));
        }
        assertThat(got).containsExactly("tool.call.start", "policy.reloaded", "tool.call.error");
        assertThat(EventStreamServlet.types("*")).isNull();
        JettyHarness.Reply bad = http.get(EventStreamServlet.PATTERN + "?types=tool.call.%0A", "Authorization",
            "Bearer " + ADMIN);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/code").asText()).isEqualTo("invalid_request");
    }

    @Test
    void onlyAdminsMayListenAndOnlyWithGet() throws Exception {
        JettyHarness.Reply none = http.get(EventStreamServlet.PATTERN);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer realm=\"cuga\"");
        assertThat(none.json().at("/error/code").asText()).isEqualTo("unauthorized");
        JettyHarness.Reply bad = http.get(EventStreamServlet.PATTERN, "Authorization", "Bearer wrong");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.header("WWW-Authenticate")).contains("invalid_token");
        JettyHarness.Reply agent = http.get(EventStreamServlet.PATTERN, "Authorization", "Bearer " + AGENT);
        assertThat(agent.status()).isEqualTo(403);
        assertThat(agent.json().at("/error/details/requiredRole").asText()).isEqualTo("admin");
        JettyHarness.Reply post = http.postJson(EventStreamServlet.PATTERN, "{}", "Authorization", "Bearer " + ADMIN);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
        assertThat(events.clients()).isZero();
    }

    @Test
    void pastTheLimitOfStreamsA503() throws Exception {
        for (int i = 0; i < 3; i++) {
            new Stream("", ADMIN);
        }
        awaitClients(3);
        JettyHarness.Reply full = http.get(EventStreamServlet.PATTERN, "Authorization", "Bearer " + ADMIN);
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.json().at("/error/code").asText()).isEqualTo("too_many_streams");
    }

    @Test
    void aClientThatDoesNotReadIsDroppedWithoutSlowingTheSinkOrTheOthers() throws Exception {
        // a raw client that sends the request and then never reads a byte
        Socket stuck = new Socket("127.0.0.1", http.port());
        open.add(stuck);
        stuck.setReceiveBufferSize(4096);
        OutputStream out = stuck.getOutputStream();
        out.write(("GET " + EventStreamServlet.PATTERN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + ADMIN + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Stream reading = new Stream("", ADMIN);
        awaitClients(2);

        String padding = "x".repeat(2000);
        long start = System.nanoTime();
        int sent = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Set<String> seen = new TreeSet<>();
        // keep publishing at a pace the reading client follows, until the stuck one is dropped
        while (events.clients() == 2 && System.nanoTime() < deadline) {
            for (int i = 0; i < 20; i++) {
                events.accept(event("tool.call.complete", Map.of("n", sent++, "padding", padding)));
            }
            for (int i = 0; i < 20; i++) {
                Map<String, String> e = reading.next(Duration.ofSeconds(5));
                assertThat(e).as("the reading client keeps getting events").isNotNull();
                seen.add(e.get("id"));
            }
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(events.clients()).as("the stuck client is dropped").isEqualTo(1);
        assertThat(seen).hasSize(sent);
        assertThat(elapsedMillis).isLessThan(20_000);
        // the reading client goes on getting events
        events.accept(event("tool.added", Map.of()));
        Map<String, String> after = reading.next(Duration.ofSeconds(5));
        assertThat(after).containsEntry("event", "tool.added");
    }

    @Test
    void deactivationEndsEveryStream() throws Exception {
        Stream stream = new Stream("", ADMIN);
        awaitClients(1);
        events.deactivate();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!stream.ended && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(stream.ended).isTrue();
        assertThat(events.clients()).isZero();
    }

    @Test
    void theOpenApiDocumentDescribesThisRouteAsServedByThisServlet() throws Exception {
        JsonNode doc = OpenApiCoverageTest.document();
        List<String> served = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fields().forEachRemaining(op -> {
                if (op.getValue().path("x-cuga-servlet").asText().equals(EventStreamServlet.NAME)) {
                    served.add(op.getKey().toUpperCase() + " " + path.getKey());
                }
            });
        }
        assertThat(served).containsExactly("GET " + EventStreamServlet.PATTERN);
        JsonNode get = doc.at("/paths/~1api~1v1~1events/get");
        assertThat(get.path("x-cuga-role").asText()).isEqualTo("admin");
        assertThat(get.has("security")).as("uses the default bearer security").isFalse();
        assertThat(get.path("responses").has("401")).isTrue();
        assertThat(get.path("responses").has("403")).isTrue();
        assertThat(get.at("/responses/200/content").has("text/event-stream")).isTrue();
    }

    private void awaitClients(int n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (events.clients() != n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(events.clients()).isEqualTo(n);
    }
}
