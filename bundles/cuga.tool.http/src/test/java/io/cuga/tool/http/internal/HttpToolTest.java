package io.cuga.tool.http.internal;

import static io.cuga.tool.http.internal.LoopbackServer.redirect;
import static io.cuga.tool.http.internal.LoopbackServer.send;
import static io.cuga.tool.http.internal.LoopbackServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cuga.tool.http.client.HttpFetcher;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.guardrail.egress.internal.EgressFixture;

/**
 * The tools against real HTTP servers on 127.0.0.1 and 127.0.0.2, under a real egress policy whose allow_cidrs
 * holds 127.0.0.1/32 only. Nothing leaves the machine: every target off loopback is refused before connecting.
 */
class HttpToolTest {

    private static final HttpFetcher.Settings SETTINGS = new HttpFetcher.Settings(2_000, 2_000, 64 * 1024, 5, 3, 10,
        200, "cuga-http/test");

    /**
     * How long a silent server keeps quiet: longer than any test waits (closing the server after the test
     * interrupts it).
     */
    private static final long SILENT_MILLIS = 30_000;

    /**
     * The bound on a wait that a timeout or a deadline of a few hundred ms ends: far above what it takes on a
     * loaded machine, far below {@link #SILENT_MILLIS}, so it fails only when the client waits for the server.
     */
    private static final long WAIT_BOUND_MILLIS = 10_000;

    private LoopbackServer server;
    private LoopbackServer blocked;
    private EgressGuard guard;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackServer("127.0.0.1");
        blocked = new LoopbackServer("127.0.0.2");
        blocked.on("/", (exchange, n) -> text(exchange, 200, "you should not see this"));
        guard = EgressFixture.guard("schemes", List.of("http"), "allow_domains", List.of("allowed.test", "second.test",
            "127.0.0.2"), "allow_cidrs", List.of("127.0.0.1/32"));
    }

    @AfterEach
    void stop() {
        server.close();
        blocked.close();
    }

    private HttpGetTool get(HttpFetcher.Settings settings) throws Exception {
        return new HttpGetTool(new HttpFetcher(settings, SSLContext.getDefault()), guard);
    }

    private HttpRequestTool request() throws Exception {
        return new HttpRequestTool(new HttpFetcher(SETTINGS, SSLContext.getDefault()), guard);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> get(String url) throws Exception {
        return (Map<String, Object>) get(SETTINGS).invoke(new TestCall("http_get", Map.of("url", url)));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> request(Object... keysAndValues) throws Exception {
        Map<String, Object> args = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            args.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return (Map<String, Object>) request().invoke(new TestCall("http_request", args));
    }

    private ToolException getFails(String url) {
        return catchThrowableOfType(ToolException.class, () -> get(url));
    }

    @Test
    void aPlainGet() throws Exception {
        server.on("/hello", (exchange, n) -> {
            exchange.getResponseHeaders().add("X-Two", "a");
            exchange.getResponseHeaders().add("X-Two", "b");
            text(exchange, 200, "hello, w\u00f6rld");
        });
        Map<String, Object> result = get(server.url("/hello?token=s3cret&page=2"));
        assertThat(result).containsEntry("status", 200).containsEntry("body", "hello, w\u00f6rld")
            .containsEntry("base64", false).containsEntry("truncated", false).containsEntry("redirects", 0)
            .containsEntry("url", server.url("/hello?token=REDACTED&page=REDACTED"));
        assertThat((Map<String, Object>) result.get("headers")).containsEntry("content-type", "text/plain; charset=utf-8")
            .containsEntry("x-two", "a, b");
        LoopbackServer.Seen seen = server.seen.get(0);
        assertThat(seen.path()).isEqualTo("/hello?token=s3cret&page=2");
        assertThat(seen.headers().get("User-agent")).containsExactly("cuga-http/test");
    }

    @Test
    void aHostNameIsResolvedCheckedAndConnectedByAddress() throws Exception {
        server.on("/hello", (exchange, n) -> text(exchange, 200, exchange.getRequestHeaders().getFirst("Host")));
        Map<String, Object> result = get("http://ALLOWED.test.:" + server.port() + "/hello");
        assertThat(result).containsEntry("status", 200).containsEntry("body", "allowed.test:" + server.port())
            .containsEntry("url", "http://allowed.test:" + server.port() + "/hello");
        // localhost is not on the domain list, and would resolve to ::1 too
        assertThat(getFails("http://localhost:" + server.port() + "/hello").getMessage())
            .startsWith("egress denied by rule 'domain_not_allowed': ");
    }

    @Test
    void aRedirectToAnAllowedPathIsFollowed() throws Exception {
        server.on("/start", (exchange, n) -> redirect(exchange, 302, "/hello?x=1"));
        server.on("/hello", (exchange, n) -> text(exchange, 200, "arrived"));
        Map<String, Object> result = get(server.url("/start"));
        assertThat(result).containsEntry("status", 200).containsEntry("body", "arrived").containsEntry("redirects", 1)
            .containsEntry("url", server.url("/hello?x=REDACTED"));
        assertThat(server.hits("/start")).isEqualTo(1);
    }

    @Test
    void aRedirectToABlockedAddressIsRefusedBeforeConnecting() throws Exception {
        // 127.0.0.2 passes the domain list, but its address is outside allow_cidrs: refused at connect time
        server.on("/start", (exchange, n) -> redirect(exchange, 302, blocked.url("/")));
        ToolException e = getFails(server.url("/start"));
        assertThat(e.code()).isEqualTo("egress_denied");
        assertThat(e.getMessage()).isEqualTo("egress denied by rule 'loopback_address': 127.0.0.2, a loopback address, "
            + "which egress blocks unless allow_cidrs contains it");
        assertThat(blocked.totalHits()).isZero();
    }

    @Test
    void aRedirectToTheMetadataAddressIsRefusedBeforeConnecting() throws Exception {
        server.on("/start", (exchange, n) -> redirect(exchange, 301, "http://169.254.169.254/latest/meta-data/?k=v"));
        ToolException e = getFails(server.url("/start"));
        assertThat(e.code()).isEqualTo("egress_denied");
        assertThat(e.getMessage()).startsWith("egress denied by rule 'domain_not_allowed': "
            + "http://169.254.169.254/latest/meta-data/?k=REDACTED: ");
    }

    @Test
    void redirectsToOtherSchemesAndUserinfoTricksAreRefused() throws Exception {
        server.on("/file", (exchange, n) -> redirect(exchange, 302, "file:///etc/passwd"));
        server.on("/userinfo", (exchange, n) -> redirect(exchange, 302, "http://allowed.test@127.0.0.2/"));
        server.on("/relative", (exchange, n) -> redirect(exchange, 302, "//127.0.0.2:" + blocked.port() + "/"));
        assertThat(getFails(server.url("/file")).getMessage()).startsWith("egress denied by rule 'scheme_not_allowed'");
        assertThat(getFails(server.url("/userinfo")).code()).isEqualTo("invalid_redirect");
        assertThat(getFails(server.url("/relative")).getMessage()).startsWith("egress denied by rule 'loopback_address'");
        assertThat(blocked.totalHits()).isZero();
    }

    @Test
    void aBlockedFirstTargetIsNeverConnected() throws Exception {
        ToolException e = getFails(blocked.url("/"));
        assertThat(e.code()).isEqualTo("egress_denied");
        assertThat(e.getMessage()).startsWith("egress denied by rule 'loopback_address'");
        assertThat(getFails("http://2130706433:" + blocked.port() + "/").getMessage())
            .startsWith("egress denied by rule 'ambiguous_address'");
        assertThat(getFails("http://[::ffff:127.0.0.2]:" + blocked.port() + "/").getMessage())
            .startsWith("egress denied by rule 'domain_not_allowed'");
        assertThat(blocked.totalHits()).isZero();
    }

    @Test
    void redirectsAreBounded() throws Exception {
        server.on("/loop", (exchange, n) -> redirect(exchange, 307, "/loop"));
        ToolException e = getFails(server.url("/loop"));
        assertThat(e.code()).isEqualTo("too_many_redirects");
        assertThat(server.hits("/loop")).isEqualTo(6);
    }

    @Test
    void aResponseOverTheSizeLimitIsTruncatedAndFlagged() throws Exception {
        byte[] big = "0123456789abcdef".repeat(8 * 1024).getBytes(StandardCharsets.US_ASCII); // 128 KiB
        server.on("/big", (exchange, n) -> send(exchange, 200, "text/plain", big));
        Map<String, Object> result = get(server.url("/big"));
        assertThat(result).containsEntry("truncated", true).containsEntry("status", 200);
        assertThat((String) result.get("body")).hasSize(64 * 1024).isEqualTo(new String(big, 0, 64 * 1024,
            StandardCharsets.US_ASCII));
        server.on("/exact", (exchange, n) -> send(exchange, 200, "text/plain", new byte[64 * 1024]));
        assertThat(get(server.url("/exact"))).containsEntry("truncated", false);
    }

    @Test
    void binaryBodiesComeBackAsBase64() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff, (byte) 0xfe};
        server.on("/image", (exchange, n) -> send(exchange, 200, "image/png", png));
        server.on("/untyped", (exchange, n) -> send(exchange, 200, null, png));
        server.on("/json", (exchange, n) -> send(exchange, 200, "application/problem+json", "{\"a\":1}".getBytes()));
        assertThat(get(server.url("/image"))).containsEntry("base64", true)
            .containsEntry("body", Base64.getEncoder().encodeToString(png));
        assertThat(get(server.url("/untyped"))).containsEntry("base64", true);
        assertThat(get(server.url("/json"))).containsEntry("base64", false).containsEntry("body", "{\"a\":1}");
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        server.on("/slow", (exchange, n) -> {
            Thread.sleep(SILENT_MILLIS);
            text(exchange, 200, "late");
        });
        HttpFetcher.Settings quick = new HttpFetcher.Settings(2_000, 300, 1024, 5, 3, 10, 200, "t");
        long start = System.nanoTime();
        ToolException e = catchThrowableOfType(ToolException.class,
            () -> get(quick).invoke(new TestCall("http_get", Map.of("url", server.url("/slow?secret=1")))));
        assertThat(e.code()).isEqualTo("timeout");
        assertThat(e.getMessage()).isEqualTo(server.url("/slow?secret=REDACTED") + " sent no response within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not waiting for the server")
            .isLessThan(Duration.ofMillis(WAIT_BOUND_MILLIS));
        assertThat(server.hits("/slow")).as("a read timeout is not retried").isEqualTo(1);
    }

    @Test
    void theCallsDeadlineBoundsTheWait() throws Exception {
        server.on("/slow", (exchange, n) -> {
            Thread.sleep(SILENT_MILLIS);
            text(exchange, 200, "late");
        });
        // a read timeout well past the bound, so only the call's deadline can end the wait in time
        HttpFetcher.Settings patient = new HttpFetcher.Settings(2_000, 2 * WAIT_BOUND_MILLIS, 64 * 1024, 5, 3, 10,
            200, "cuga-http/test");
        long start = System.nanoTime();
        ToolException e = catchThrowableOfType(ToolException.class, () -> get(patient).invoke(new TestCall("http_get",
            Map.of("url", server.url("/slow")), Instant.now().plusMillis(400))));
        assertThat(e.code()).isEqualTo("timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not waiting for the read timeout nor the server")
            .isLessThan(Duration.ofMillis(WAIT_BOUND_MILLIS));
    }

    @Test
    void a503IsRetriedForGetButNotForPost() throws Exception {
        server.on("/flaky", (exchange, n) -> {
            if (n % 3 != 0) {
                text(exchange, 503, "busy");
            } else {
                text(exchange, 200, "ok after " + n);
            }
        });
        assertThat(get(server.url("/flaky"))).containsEntry("status", 200).containsEntry("body", "ok after 3");
        assertThat(server.hits("/flaky")).isEqualTo(3);
        Map<String, Object> post = request("method", "POST", "url", server.url("/flaky"), "body", "x");
        assertThat(post).containsEntry("status", 503).containsEntry("body", "busy");
        assertThat(server.hits("/flaky")).isEqualTo(4);
        Map<String, Object> put = request("method", "PUT", "url", server.url("/flaky"), "body", "x");
        assertThat(put).as("PUT is idempotent: request 5 got 503, its retry (6) succeeded").containsEntry("status", 200)
            .containsEntry("body", "ok after 6");
        assertThat(server.hits("/flaky")).isEqualTo(6);
    }

    @Test
    void retriesAreBoundedAndTheLastAnswerIsReturned() throws Exception {
        server.on("/down", (exchange, n) -> text(exchange, 502, "bad gateway " + n));
        assertThat(get(server.url("/down"))).containsEntry("status", 502).containsEntry("body", "bad gateway 3");
        assertThat(server.hits("/down")).isEqualTo(3);
        server.on("/later", (exchange, n) -> {
            exchange.getResponseHeaders().set("Retry-After", "3600");
            text(exchange, 503, "come back in an hour");
        });
        assertThat(get(server.url("/later"))).containsEntry("status", 503);
        assertThat(server.hits("/later")).as("a Retry-After beyond the longest wait is not waited for").isEqualTo(1);
    }

    @Test
    void connectFailuresAreRetriedForIdempotentMethodsOnly() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/x?key=s3cret";
        ToolException get = getFails(url);
        assertThat(get.code()).isEqualTo("connect_failed");
        assertThat(get.getMessage()).isEqualTo("could not connect to http://127.0.0.1:" + closed
            + "/x?key=REDACTED (connection refused, 3 attempts)");
        ToolException post = catchThrowableOfType(ToolException.class,
            () -> request("method", "POST", "url", url, "body", "{}"));
        assertThat(post.getMessage()).isEqualTo("could not connect to http://127.0.0.1:" + closed
            + "/x?key=REDACTED (connection refused)");
    }

    @Test
    void everyRequestCarriesTheCallsTraceWithItsExecuteToolSpanAsParent() throws Exception {
        server.on("/start", (exchange, n) -> redirect(exchange, 302, "/hello"));
        server.on("/hello", (exchange, n) -> text(exchange, 200, "ok"));
        get(server.url("/start"));
        // a caller's own traceparent is replaced: the request belongs to the call's span
        request("method", "GET", "url", server.url("/hello"), "headers",
            Map.of("traceparent", "00-11111111111111111111111111111111-2222222222222222-01"));
        assertThat(server.seen).hasSize(3);
        for (LoopbackServer.Seen seen : server.seen) {
            assertThat(seen.headers().get("Traceparent"))
                .containsExactly("00-4bf92f3577b34da6a3ce929d0e0e4736-0af7651916cd43dd-01");
        }
    }

    @Test
    void aCallWithoutW3cIdsSendsNoTraceparent() {
        TestCall call = new TestCall("http_get", Map.of());
        assertThat(HttpFetcher.traceparent(HttpFetcher.Scope.of(call))).isEqualTo("00-" + call.traceId() + "-0af7651916cd43dd-01");
        ToolCall odd = (ToolCall) java.lang.reflect.Proxy.newProxyInstance(ToolCall.class.getClassLoader(),
            new Class<?>[] {ToolCall.class}, (proxy, method, args) -> switch (method.getName()) {
                case "callId" -> "call-1";
                case "traceId" -> call.traceId();
                default -> null;
            });
        assertThat(HttpFetcher.traceparent(HttpFetcher.Scope.of(odd))).isNull();
    }

    @Test
    void requestsCarryMethodHeadersAndBody() throws Exception {
        server.on("/echo", (exchange, n) -> text(exchange, 201, "created"));
        Map<String, Object> result = request("method", "post", "url", server.url("/echo"), "headers",
            Map.of("Content-Type", "application/json", "X-Api-Key", "k1"), "body", "{\"name\":\"w\u00f6\"}");
        assertThat(result).containsEntry("status", 201).containsEntry("body", "created");
        LoopbackServer.Seen seen = server.seen.get(0);
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.body()).isEqualTo("{\"name\":\"w\u00f6\"}");
        assertThat(seen.headers().get("Content-type")).containsExactly("application/json");
        assertThat(seen.headers().get("X-api-key")).containsExactly("k1");
        request("method", "DELETE", "url", server.url("/echo"));
        assertThat(server.seen.get(1).method()).isEqualTo("DELETE");
        Map<String, Object> head = request("method", "HEAD", "url", server.url("/echo"));
        assertThat(head).containsEntry("body", "").containsEntry("status", 201);
    }

    @Test
    void a303AfterPostBecomesAGetAndCredentialsStayWithTheirOrigin() throws Exception {
        server.on("/submit", (exchange, n) -> redirect(exchange, 303, "http://second.test:" + server.port() + "/done"));
        server.on("/done", (exchange, n) -> text(exchange, 200, "done"));
        Map<String, Object> result = request("method", "POST", "url", "http://allowed.test:" + server.port() + "/submit",
            "headers", Map.of("Authorization", "Bearer secret-token", "X-Trace", "t1"), "body", "data");
        assertThat(result).containsEntry("status", 200).containsEntry("body", "done");
        LoopbackServer.Seen done = server.seen.get(1);
        assertThat(done.method()).isEqualTo("GET");
        assertThat(done.body()).isEmpty();
        assertThat(done.headers()).doesNotContainKey("Authorization").containsKey("X-trace");
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingConnects() {
        assertThat(catchThrowableOfType(ToolException.class, () -> request("method", "GET", "url", server.url("/"),
            "headers", Map.of("Host", "evil.example")))).hasMessage("the header 'Host' is set by the client and cannot be given");
        assertThat(catchThrowableOfType(ToolException.class, () -> request("method", "GET", "url", server.url("/"),
            "headers", Map.of("X-A", "a\r\nX-Injected: 1"))).code()).isEqualTo("invalid_arguments");
        assertThat(catchThrowableOfType(ToolException.class, () -> request("method", "GET", "url", server.url("/"),
            "body", "x"))).hasMessage("a GET request has no body");
        assertThat(catchThrowableOfType(ToolException.class, () -> request("method", "TRACE", "url", server.url("/")))
            .code()).isEqualTo("invalid_arguments");
        ToolException userinfo = getFails("http://user:hunter2@allowed.test:" + server.port() + "/");
        assertThat(userinfo.code()).isEqualTo("invalid_arguments");
        assertThat(userinfo.getMessage()).doesNotContain("hunter2");
        assertThat(getFails("http://allowed.test\\@127.0.0.2/").code()).isEqualTo("invalid_arguments");
        assertThat(server.totalHits() + blocked.totalHits()).isZero();
    }

    @Test
    void withoutAnEgressGuardNothingConnects() throws Exception {
        server.on("/hello", (exchange, n) -> text(exchange, 200, "hello"));
        HttpGetTool unguarded = new HttpGetTool(new HttpFetcher(SETTINGS, SSLContext.getDefault()), null);
        ToolException e = catchThrowableOfType(ToolException.class,
            () -> unguarded.invoke(new TestCall("http_get", Map.of("url", server.url("/hello")))));
        assertThat(e.code()).isEqualTo("egress_denied");
        assertThat(e.getMessage()).startsWith("egress denied by rule 'no_egress_guard'");
        guard = EgressFixture.guard();
        ToolException empty = getFails(server.url("/hello"));
        assertThat(empty.getMessage()).startsWith("egress denied by rule 'scheme_not_allowed'");
        assertThat(server.totalHits()).isZero();
    }
}
