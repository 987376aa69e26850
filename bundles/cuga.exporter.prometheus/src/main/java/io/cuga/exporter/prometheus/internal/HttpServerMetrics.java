package io.cuga.exporter.prometheus.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

import io.micrometer.core.instrument.Timer;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code http_server_request_duration_seconds}: every HTTP request of the default whiteboard context, by method,
 * status code and route, as the OpenTelemetry HTTP conventions name them ({@code http.server.request.duration} with
 * {@code http.request.method}, {@code http.response.status_code}, {@code http.route}). A filter in front of every
 * servlet: a map lookup and a histogram update per request. The route is the path with its ids replaced by
 * placeholders ({@code /api/v1/approvals/{id}/approve}); paths the API does not serve count as {@code _other},
 * methods outside the standard ones as {@code _OTHER}, so the series are bounded whatever clients send.
 */
@Component(service = Filter.class)
@HttpWhiteboardFilterName(HttpServerMetrics.NAME)
@HttpWhiteboardFilterPattern("/*")
public final class HttpServerMetrics implements Filter {

    /** The whiteboard filter name. */
    static final String NAME = "cuga.exporter.prometheus.http";

    /** The route of paths the server does not serve. */
    static final String OTHER_ROUTE = "_other";

    /** Buckets: the OpenTelemetry HTTP conventions' advice, 5 ms to 10 s. */
    static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(75), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofMillis(7500), Duration.ofSeconds(10)};

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
        "CONNECT", "TRACE");
    /** Top-level paths served as they are. */
    private static final Set<String> TOP = Set.of("/health", "/ready", "/metrics", "/mcp", "/");
    /** Resources under /api/v1/ (http-api.md). */
    private static final Set<String> RESOURCES = Set.of("tools", "evaluate", "approvals", "audit", "budgets",
        "events", "openapi.json", "policies", "tasks", "memory", "agents", "sessions");
    /** Literal second segments under a resource (anything else is an id). */
    private static final Set<String> LITERALS = Set.of("verify", "export");
    /** Actions after an id. */
    private static final Set<String> ACTIONS = Set.of("invoke", "approve", "reject", "history", "events",
        "evaluate", "validate", "cancel");

    /** Tags of one timer. */
    private record Key(String method, String status, String route) {
    }

    private final PrometheusMetrics metrics;
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    /** @param metrics the registry's owner */
    @Activate
    public HttpServerMetrics(@Reference PrometheusMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        boolean failed = true;
        try {
            chain.doFilter(request, response);
            failed = false;
        } finally {
            int status = failed && out.getStatus() < 400 ? 500 : out.getStatus();
            String path = http.getRequestURI();
            String context = http.getContextPath();
            if (context != null && !context.isEmpty() && path.startsWith(context)) {
                path = path.substring(context.length());
            }
            record(http.getMethod(), status, path, System.nanoTime() - start);
        }
    }

    void record(String method, int status, String path, long nanos) {
        Key key = new Key(METHODS.contains(method) ? method : "_OTHER", Integer.toString(status), route(path));
        Timer timer = timers.get(key);
        if (timer == null) {
            timer = timers.computeIfAbsent(key, k -> Timer.builder("http.server.request.duration")
                .description("Duration of HTTP server requests, by method, status code and route")
                .tags("http.request.method", k.method(), "http.response.status_code", k.status(), "http.route",
                    k.route())
                .serviceLevelObjectives(BUCKETS).register(metrics.registry()));
        }
        timer.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** @return the route of a path: ids become placeholders, unknown paths {@value #OTHER_ROUTE} */
    static String route(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        if (TOP.contains(path)) {
            return path;
        }
        if (path.startsWith("/console")) {
            return "/console";
        }
        if (!path.startsWith("/api/v1/")) {
            return OTHER_ROUTE;
        }
        String[] parts = path.substring("/api/v1/".length()).split("/", -1);
        if (parts.length == 0 || !RESOURCES.contains(parts[0])) {
            return OTHER_ROUTE;
        }
        StringBuilder route = new StringBuilder("/api/v1/").append(parts[0]);
        if (parts.length == 1) {
            return route.toString();
        }
        if (parts.length > 3 || parts[1].isEmpty()) {
            return OTHER_ROUTE;
        }
        route.append('/').append(LITERALS.contains(parts[1]) ? parts[1] : placeholder(parts[0]));
        if (parts.length == 3) {
            if (!ACTIONS.contains(parts[2])) {
                return OTHER_ROUTE;
            }
            route.append('/').append(parts[2]);
        }
        return route.toString();
    }

    private static String placeholder(String resource) {
        return switch (resource) {
            case "tools" -> "{name}";
            case "policies" -> "{profile}";
            case "budgets" -> "{session}";
            default -> "{id}";
        };
    }
}
