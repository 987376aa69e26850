package io.cuga.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.Evaluation;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.tool.ToolDescriptor;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The REST API (v1): health, readiness, the OpenAPI document, tools and the guarded invoke, routed by hand (see
 * {@link Route}). It also answers every path nobody else serves (the {@code /} pattern) with a JSON 404, so a
 * client never sees an HTML error page. The orchestrator's services are optional and dynamic: without them
 * {@code /health} still answers, {@code /ready} says why it is not ready, and tool routes answer 503.
 */
@Component(service = Servlet.class, configurationPid = ApiServlet.PID)
@Designate(ocd = ApiServlet.Config.class)
@HttpWhiteboardServletName(ApiServlet.NAME)
@HttpWhiteboardServletPattern({"/health", "/ready", "/api/v1/*", "/"})
public final class ApiServlet extends JsonServlet {

    /** The configuration PID. */
    static final String PID = "cuga.http";

    /** The whiteboard servlet name. */
    static final String NAME = "cuga.http.api";

    /** Default request body limit: 1 MiB. */
    static final long DEFAULT_MAX_BODY = 1_048_576L;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);
    private static final byte[] HEALTH_BODY = "{\"status\":\"UP\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final int SCHEMA_CACHE_SIZE = 1024;

    /** How the API behaves. */
    @ObjectClassDefinition(name = "cuga HTTP API",
        description = "The REST API on the HTTP whiteboard. Bearer tokens are configured in cuga.auth.")
    public @interface Config {

        /** @return the largest request body accepted, in bytes */
        @AttributeDefinition(name = "Request body limit",
            description = "Largest request body accepted, in bytes (Content-Length and chunked bodies alike); "
                + "larger ones get 413 body_too_large.")
        long max_body_bytes() default DEFAULT_MAX_BODY;

        /** @return readiness checks that must be registered (and ready) for /ready to answer 200 */
        @AttributeDefinition(name = "Required readiness checks",
            description = "Names of ReadinessCheck services that must be present; /ready answers 503 while one "
                + "is missing (store: a store bundle answers, so calls can be audited).")
        String[] required_checks() default {"orchestrator", "policy", "store"};
    }

    /** The effective configuration, swapped whole on a change. */
    private record Settings(long maxBodyBytes, List<String> requiredChecks) {
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<Dispatcher> dispatcher = new AtomicReference<>();
    private final transient AtomicReference<ToolRegistry> registry = new AtomicReference<>();
    private final transient List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();
    private final transient Map<String, JsonNode> schemas = new ConcurrentHashMap<>();
    private final transient Set<String> failingChecksLogged = ConcurrentHashMap.newKeySet();
    private final byte[] openapi;
    private transient volatile Settings settings;

    /**
     * @param authenticator the bearer-token table
     * @param config the configuration
     */
    @Activate
    public ApiServlet(@Reference TokenAuthenticator authenticator, Config config) {
        this.authenticator = authenticator;
        this.openapi = loadOpenApi();
        modified(config);
    }

    /**
     * Applies a new configuration in place.
     *
     * @param config the configuration
     */
    @Modified
    void modified(Config config) {
        long limit = config.max_body_bytes();
        if (limit <= 0) {
            LOG.warn("{}: max.body.bytes must be positive, not {}; using {}", PID, limit, DEFAULT_MAX_BODY);
            limit = DEFAULT_MAX_BODY;
        }
        List<String> required = new ArrayList<>();
        for (String value : config.required_checks()) {
            // a .cfg file delivers a list as one comma-separated string
            for (String name : value == null ? new String[0] : value.split(",")) {
                if (!name.isBlank()) {
                    required.add(name.trim());
                }
            }
        }
        settings = new Settings(limit, List.copyOf(required));
    }

    /** @param service the dispatcher */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindDispatcher(Dispatcher service) {
        dispatcher.set(service);
    }

    /** @param service the dispatcher going away */
    void unbindDispatcher(Dispatcher service) {
        dispatcher.compareAndSet(service, null);
    }

    /** @param service the tool registry */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindToolRegistry(ToolRegistry service) {
        registry.set(service);
    }

    /** @param service the tool registry going away */
    void unbindToolRegistry(ToolRegistry service) {
        registry.compareAndSet(service, null);
    }

    /** @param check a readiness check */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindReadinessCheck(ReadinessCheck check) {
        checks.add(check);
    }

    /** @param check a readiness check going away */
    void unbindReadinessCheck(ReadinessCheck check) {
        checks.remove(check);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        Router.Match match = Router.route(method, path);
        Route route = match.route();
        if (route == null) {
            throw match.allowed().isEmpty() ? notFound(method, path) : methodNotAllowed(match.allowed());
        }
        switch (route) {
            case HEALTH -> Responses.bytes(response, 200, HEALTH_BODY);
            case READY -> ready(response);
            case OPENAPI -> Responses.bytes(response, 200, openapi);
            case WHOAMI -> whoami(response, authorize(route, request));
            case TOOLS -> tools(response, authorize(route, request));
            case TOOL_DIAGNOSTICS -> diagnostics(response, authorize(route, request));
            case INVOKE -> invoke(request, response, authorize(route, request), match.parameter(), trace);
            case EVALUATE -> evaluate(request, response, authorize(route, request), trace);
            default -> throw new IllegalStateException("route without a handler: " + route);
        }
    }

    // ---------------------------------------------------------------------------------------------- handlers

    private void ready(HttpServletResponse response) throws IOException {
        List<ReadinessCheck> current = new ArrayList<>(checks);
        List<Map<String, Object>> report = new ArrayList<>(current.size() + 1);
        Set<String> present = new java.util.HashSet<>();
        boolean ready = true;
        for (ReadinessCheck check : current) {
            String name;
            boolean ok;
            String detail;
            try {
                name = check.name();
                ReadinessCheck.Readiness state = check.check();
                ok = state != null && state.ready();
                detail = state == null ? "the check returned no state" : state.detail();
            } catch (RuntimeException e) {
                name = safeName(check);
                ok = false;
                detail = "the check failed: " + e.getClass().getSimpleName();
                if (failingChecksLogged.add(check.getClass().getName())) {
                    LOG.warn("Readiness check {} ({}) threw; it counts as not ready", name,
                        check.getClass().getName(), e);
                }
            }
            present.add(name);
            ready &= ok;
            report.add(check(name, ok, detail));
        }
        for (String required : settings.requiredChecks()) {
            if (!present.contains(required)) {
                ready = false;
                report.add(check(required, false, "no readiness check named '" + required
                    + "' is registered (is the bundle that provides it active?)"));
            }
        }
        report.sort(Comparator.comparing(m -> String.valueOf(m.get("name"))));
        Map<String, Object> body = new LinkedHashMap<>(2);
        body.put("status", ready ? "READY" : "NOT_READY");
        body.put("checks", report);
        Responses.json(response, ready ? 200 : 503, body);
    }

    private static String safeName(ReadinessCheck check) {
        try {
            String name = check.name();
            return name == null ? check.getClass().getName() : name;
        } catch (RuntimeException e) {
            return check.getClass().getName();
        }
    }

    private static Map<String, Object> check(String name, boolean ready, String detail) {
        Map<String, Object> out = new LinkedHashMap<>(3);
        out.put("name", name);
        out.put("ready", ready);
        out.put("detail", detail == null ? "" : detail);
        return out;
    }

    private void whoami(HttpServletResponse response, Caller caller) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>(5);
        body.put("principal", caller.identity().principal());
        body.put("role", caller.identity().role().label());
        body.put("profile", caller.profile());
        body.put("session", caller.session());
        body.put("source", caller.identity().source());
        Responses.json(response, 200, body);
    }

    private void tools(HttpServletResponse response, Caller caller) throws IOException {
        ToolRegistry tools = registry();
        List<ToolDescriptor> visible = tools.visible(caller.profile());
        List<Map<String, Object>> out = new ArrayList<>(visible.size());
        for (ToolDescriptor tool : visible) {
            out.add(describe(tool, new LinkedHashMap<>(8)));
        }
        Responses.json(response, 200, Map.of("tools", out));
    }

    private Map<String, Object> describe(ToolDescriptor tool, Map<String, Object> out) {
        out.put("name", tool.name());
        out.put("description", tool.description());
        out.put("inputSchema", schema(tool.inputSchema()));
        out.put("risk", tool.risk().name());
        out.put("bundle", tool.bundle());
        out.put("bundleVersion", tool.bundleVersion());
        return out;
    }

    private void diagnostics(HttpServletResponse response, Caller caller) throws IOException {
        ToolRegistry tools = registry();
        List<Map<String, Object>> all = new ArrayList<>();
        for (ToolInfo info : tools.all()) {
            Map<String, Object> out = new LinkedHashMap<>(10);
            out.put("name", info.name());
            out.put("state", info.state() == null ? null : info.state().name());
            out.put("reason", info.reason() == null ? "" : info.reason());
            out.put("bundle", info.bundle());
            out.put("bundleVersion", info.bundleVersion());
            if (info.descriptor() != null) {
                out.put("description", info.descriptor().description());
                out.put("risk", info.descriptor().risk().name());
                out.put("inputSchema", schema(info.descriptor().inputSchema()));
            }
            all.add(out);
        }
        List<Map<String, Object>> problems = new ArrayList<>();
        for (Diagnostic diagnostic : tools.diagnostics()) {
            Map<String, Object> out = new LinkedHashMap<>(4);
            out.put("kind", diagnostic.kind());
            out.put("subject", diagnostic.subject());
            out.put("message", diagnostic.message());
            out.put("at", diagnostic.at() == null ? null : DateTimeFormatter.ISO_INSTANT.format(diagnostic.at()));
            problems.add(out);
        }
        Map<String, Object> body = new LinkedHashMap<>(2);
        body.put("tools", all);
        body.put("diagnostics", problems);
        Responses.json(response, 200, body);
    }

    private void invoke(HttpServletRequest request, HttpServletResponse response, Caller caller, String tool,
        TraceContext trace) throws IOException {
        Dispatcher calls = dispatcher.get();
        if (calls == null) {
            throw unavailable();
        }
        long limit = settings.maxBodyBytes();
        Map<String, Object> arguments = Bodies.parseInvoke(Bodies.open(request, limit), limit);
        CallOutcome outcome = calls.dispatch(new CallRequest(tool, arguments, caller.identity().principal(),
            caller.profile(), caller.session(), trace.traceId(), trace.parentId(), trace.sampled()));
        if (outcome == null) {
            throw new IllegalStateException("the dispatcher returned no outcome for tool " + tool);
        }
        if (outcome.ok()) {
            Map<String, Object> body = new LinkedHashMap<>(4);
            body.put("result", outcome.result());
            body.put("decision", Responses.decision(outcome.decision()));
            body.put("callId", outcome.callId());
            Responses.json(response, 200, body);
            return;
        }
        if (outcome.status() == CallOutcome.Status.APPROVAL_REQUIRED
            && outcome.details().get(CallOutcome.APPROVAL_ID) instanceof String approvalId && !approvalId.isBlank()) {
            pending(response, outcome, approvalId);
            return;
        }
        Map<String, Object> details = new LinkedHashMap<>(outcome.details());
        details.put("tool", tool);
        details.put("callId", outcome.callId());
        details.put("decision", Responses.decision(outcome.decision()));
        CallOutcome.Status status = outcome.status();
        if (status == CallOutcome.Status.LIMITED) {
            String retryAfter = retryAfter(outcome.details().get("retryAfterSeconds"));
            if (retryAfter != null) {
                response.setHeader("Retry-After", retryAfter);
            }
        }
        String code = outcome.errorCode() != null ? outcome.errorCode()
            : status.name().toLowerCase(java.util.Locale.ROOT);
        String message = outcome.message() != null ? outcome.message() : "the call ended with " + status.name();
        Responses.json(response, status.httpStatus(), Responses.errorBody(code, message, details));
    }

    /**
     * The call waits for a human: 202 with the approval's id and expiry, and {@code Location} pointing at the
     * approval, where the caller (its requester) may follow it.
     */
    private static void pending(HttpServletResponse response, CallOutcome outcome, String approvalId)
        throws IOException {
        Object expiresAt = outcome.details().get("expiresAt");
        Map<String, Object> body = new LinkedHashMap<>(6);
        body.put("approvalId", approvalId);
        body.put("status", "pending");
        body.put("expiresAt", expiresAt == null ? null : expiresAt.toString());
        body.put("decision", Responses.decision(outcome.decision()));
        body.put("callId", outcome.callId());
        body.put("tool", outcome.tool());
        response.setHeader("Location", ApprovalServlet.BASE + "/"
            + java.net.URLEncoder.encode(approvalId, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        Responses.json(response, 202, body);
    }

    private void evaluate(HttpServletRequest request, HttpServletResponse response, Caller caller,
        TraceContext trace) throws IOException {
        Dispatcher calls = dispatcher.get();
        if (calls == null) {
            throw unavailable();
        }
        long limit = settings.maxBodyBytes();
        Map.Entry<String, Map<String, Object>> body = Bodies.parseEvaluate(Bodies.open(request, limit), limit);
        Evaluation evaluation = calls.evaluate(new CallRequest(body.getKey(), body.getValue(),
            caller.identity().principal(), caller.profile(), caller.session(), trace.traceId()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tool", evaluation.tool());
        out.put("profile", evaluation.profile());
        out.put("policyVersion", evaluation.policyVersion());
        out.put("decision", Responses.decision(evaluation.decision()));
        List<Map<String, Object>> each = new ArrayList<>();
        for (Decision decision : evaluation.decisions()) {
            each.add(Responses.decision(decision));
        }
        out.put("guardrails", each);
        if (evaluation.problem() != null) {
            out.put("problem", Map.of("status", evaluation.problem().name().toLowerCase(java.util.Locale.ROOT),
                "message", evaluation.message() == null ? "" : evaluation.message()));
        }
        out.put("executed", false);
        Responses.json(response, 200, out);
    }

    /**
     * @param value a {@code retryAfterSeconds} detail: a number or numeric text
     * @return whole seconds, at least 1, for the {@code Retry-After} header; null when unusable
     */
    static String retryAfter(Object value) {
        BigDecimal seconds;
        try {
            if (value instanceof Number number) {
                seconds = new BigDecimal(number.toString());
            } else if (value instanceof String text && !text.isBlank()) {
                seconds = new BigDecimal(text.trim());
            } else {
                return null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
        long whole = seconds.setScale(0, java.math.RoundingMode.CEILING).max(BigDecimal.ONE).longValue();
        return Long.toString(whole);
    }

    // -------------------------------------------------------------------------------------------------- auth

    private Caller authorize(Route route, HttpServletRequest request) {
        return Auth.caller(authenticator, request, route.access().role());
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private ToolRegistry registry() {
        ToolRegistry tools = registry.get();
        if (tools == null) {
            throw unavailable();
        }
        return tools;
    }

    private JsonNode schema(String text) {
        JsonNode node = schemas.get(text);
        if (node == null) {
            try {
                node = Json.MAPPER.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                LOG.warn("A tool's input schema is not valid JSON; it is listed as null: {}", e.getOriginalMessage());
                node = NullNode.getInstance();
            }
            if (schemas.size() >= SCHEMA_CACHE_SIZE) {
                schemas.clear();
            }
            schemas.put(text, node);
        }
        return node;
    }

    private static ApiException notFound(String method, String path) {
        String shown = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return new ApiException(404, "not_found", "no route for " + method + " " + shown,
            Map.of("method", method, "path", shown));
    }

    private static ApiException methodNotAllowed(List<String> allowed) {
        return new ApiException(405, "method_not_allowed", "this route accepts " + String.join(", ", allowed),
            Map.of("allowed", allowed), Map.of("Allow", String.join(", ", allowed)));
    }

    private static ApiException unavailable() {
        return new ApiException(503, "unavailable",
            "the orchestrator is not available yet; see GET /ready", Map.of());
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = ApiServlet.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the bundle");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read openapi.json from the bundle", e);
        }
    }
}
