package io.cuga.exporter.prometheus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;
import io.cuga.events.internal.RealBus;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * /metrics in a real Jetty 12, mapped as the whiteboard maps it: beside a catch-all {@code /} servlet like the
 * API's, which must not get the scrape.
 */
class MetricsServletTest {

    private Server server;
    private int port;
    private PrometheusMetrics metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        metrics = new PrometheusMetrics(Configs.defaults(PrometheusMetrics.Config.class));
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addFilter(new FilterHolder(new HttpServerMetrics(metrics)), "/*",
            java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new MetricsServlet(metrics)), MetricsServlet.PATTERN);
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setStatus(404);
                resp.getWriter().write("catch-all");
            }
        }), "/");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        metrics.deactivate();
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    }

    @Test
    void servesThePrometheusTextFormatWithoutAToken() throws Exception {
        metrics.accept(new Event("tool.call.complete", Instant.now(), "", "default", "", "ok", 2_000_000,
            Map.of("tool", "calculator", "verdict", "ALLOW")));
        HttpResponse<String> response = send(request("/metrics").GET());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
            .startsWith("text/plain; version=0.0.4");
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        Exposition e = new Exposition(response.body());
        assertThat(e.value("cuga_tool_calls_total", "profile", "default",
            "tool", "calculator", "status", "ok", "verdict", "allow"))
            .isEqualTo(1.0);
        // a token, valid or not, changes nothing
        HttpResponse<String> withToken = send(request("/metrics").header("Authorization", "Bearer nonsense").GET());
        assertThat(withToken.statusCode()).isEqualTo(200);
    }

    @Test
    void everyRequestIsTimedByMethodStatusAndRouteWithIdsAsPlaceholders() throws Exception {
        send(request("/api/v1/tools/calculator/invoke").POST(HttpRequest.BodyPublishers.ofString("{}")));
        send(request("/api/v1/tools/http_get/invoke").POST(HttpRequest.BodyPublishers.ofString("{}")));
        send(request("/api/v1/approvals/Abc123/approve").POST(HttpRequest.BodyPublishers.ofString("{}")));
        send(request("/no/such/" + System.nanoTime()).GET());
        send(request("/metrics").GET());
        Exposition e = new Exposition(send(request("/metrics").GET()).body());
        String h = "http_server_request_duration_seconds";
        assertThat(e.type.get(h)).isEqualTo("histogram");
        assertThat(e.value(h + "_count", "http_request_method", "POST", "http_response_status_code", "404",
            "http_route", "/api/v1/tools/{name}/invoke")).isEqualTo(2.0);
        assertThat(e.value(h + "_count", "http_request_method", "POST", "http_response_status_code", "404",
            "http_route", "/api/v1/approvals/{id}/approve")).isEqualTo(1.0);
        assertThat(e.value(h + "_count", "http_request_method", "GET", "http_response_status_code", "404",
            "http_route", "_other")).isEqualTo(1.0);
        // the scrape that rendered this one is not in it yet, the one before is
        assertThat(e.value(h + "_count", "http_request_method", "GET", "http_response_status_code", "200",
            "http_route", "/metrics")).isEqualTo(1.0);
        assertThat(e.help.get(h)).isNotBlank();
    }

    @Test
    void routesAreBoundedWhateverThePath() {
        assertThat(HttpServerMetrics.route("/api/v1/tools")).isEqualTo("/api/v1/tools");
        assertThat(HttpServerMetrics.route("/api/v1/policies/finance/history"))
            .isEqualTo("/api/v1/policies/{profile}/history");
        assertThat(HttpServerMetrics.route("/api/v1/budgets/s-1")).isEqualTo("/api/v1/budgets/{session}");
        assertThat(HttpServerMetrics.route("/api/v1/audit/verify")).isEqualTo("/api/v1/audit/verify");
        assertThat(HttpServerMetrics.route("/health")).isEqualTo("/health");
        assertThat(HttpServerMetrics.route("/api/v1/tools/x/y/z")).isEqualTo("_other");
        assertThat(HttpServerMetrics.route("/api/v1/tools/x/whatever")).isEqualTo("_other");
        assertThat(HttpServerMetrics.route("/api/v1/random")).isEqualTo("_other");
        assertThat(HttpServerMetrics.route("/wp-admin.php")).isEqualTo("_other");
    }

    @Test
    void answersOpenMetricsWhenTheScraperAsksForIt() throws Exception {
        HttpResponse<String> response = send(request("/metrics")
            .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").GET());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
            .startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(response.body().strip()).endsWith("# EOF");
    }

    @Test
    void otherMethodsGetAJson405AndHeadNoBody() throws Exception {
        HttpResponse<String> post = send(request("/metrics").POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(post.body()).contains("\"code\":\"method_not_allowed\"");
        HttpResponse<String> head = send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(send(request("/metrics/more").GET()).body()).isEqualTo("catch-all");
    }

    @Test
    void behindTheRealPublisherACallShowsUpAndADroppingSinkIsCounted() throws Exception {
        try (RealBus bus = new RealBus()) {
            java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
            bus.add(event -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stuck");
            bus.add(metrics, PrometheusMetrics.SINK_NAME);
            for (int i = 1; i <= 10_050; i++) {
                bus.publisher().publish(new Event("tool.call.complete", Instant.now(), "", "default", "", "ok",
                    1_000_000, Map.of("tool", "calculator", "verdict", "ALLOW")));
                if (i % 1000 == 0) { // a pace a scrape can follow; the stuck sink fills up all the same
                    double sent = i;
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (System.nanoTime() < deadline && !Double.valueOf(sent).equals(new Exposition(
                                metrics.registry().scrape()).value("cuga_tool_calls_total", "profile", "default",
                                    "tool",
                        "calculator", "status", "ok", "verdict", "allow"))) {
                        Thread.sleep(5);
                    }
                }
            }
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Exposition e;
            do {
                Thread.sleep(50);
                e = new Exposition(send(request("/metrics").GET()).body());
            } while (System.nanoTime() < end && !(Double.valueOf(10_050).equals(e.value("cuga_tool_calls_total",
                "profile", "default", "tool", "calculator", "status", "ok", "verdict", "allow"))
                && e.value("cuga_exporter_dropped_events_total", "sink", "stuck") != null
                && e.value("cuga_exporter_dropped_events_total", "sink", "stuck") >= 49));
            assertThat(e.value("cuga_tool_calls_total", "profile", "default", "tool", "calculator", "status", "ok",
                "verdict", "allow"))
                .isEqualTo(10_050.0);
            // the stuck sink holds one event in its hands and 10,000 in its buffer: the rest are dropped
            assertThat(e.value("cuga_exporter_dropped_events_total", "sink", "stuck")).isGreaterThanOrEqualTo(49.0);
            assertThat(e.value("cuga_exporter_dropped_events_total", "sink", "prometheus")).isEqualTo(0.0);
            hold.countDown();
        }
    }
}
