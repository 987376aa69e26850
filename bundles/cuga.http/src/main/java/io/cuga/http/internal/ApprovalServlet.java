package io.cuga.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.dispatch.Approvals;
import io.cuga.api.store.Approval;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The approval routes, over the orchestrator's {@link Approvals}: approvers (and admins) list approvals, read
 * one, and approve or reject a pending one with a reason; an agent may read only an approval it requested itself
 * (any other id is 404 to it, so ids do not leak). Without the service every route answers 503 naming it; a store
 * that fails answers {@code 503 store_unavailable}. It shares configuration {@value ApiServlet#PID} with the API
 * servlet (the request body limit).
 */
@Component(service = Servlet.class, configurationPid = ApiServlet.PID)
@HttpWhiteboardServletName(ApprovalServlet.NAME)
@HttpWhiteboardServletPattern({ApprovalServlet.BASE, ApprovalServlet.BASE + "/*"})
public final class ApprovalServlet extends JsonServlet {

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operations). */
    static final String NAME = "cuga.http.approvals";

    /** The base path. */
    static final String BASE = "/api/v1/approvals";

    /** The page size when {@code limit} is not given. */
    static final int DEFAULT_LIMIT = 100;

    /** The largest page. */
    static final int MAX_LIMIT = 1000;

    /** The longest reason accepted, in characters. */
    static final int MAX_REASON = 2000;

    /** The values of the {@code status} filter. */
    static final List<String> STATUSES = List.of("PENDING", "APPROVED", "REJECTED", "EXPIRED", "ALL");

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalServlet.class);
    private static final int MAX_ID = 128;

    /** The routes of this servlet; the OpenAPI document lists exactly these under {@value #NAME}. */
    enum ApprovalRoute implements Endpoint {
        /** Approvals by status, newest first. */
        LIST("GET", BASE, Role.APPROVER),
        /** One approval; an agent only its own. */
        SHOW("GET", BASE + "/{id}", Role.AGENT),
        /** Approve a pending approval. */
        APPROVE("POST", BASE + "/{id}/approve", Role.APPROVER),
        /** Reject a pending approval. */
        REJECT("POST", BASE + "/{id}/reject", Role.APPROVER);

        private final String method;
        private final String template;
        private final Role role;

        ApprovalRoute(String method, String template, Role role) {
            this.method = method;
            this.template = template;
            this.role = role;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String template() {
            return template;
        }

        @Override
        public Role role() {
            return role;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<Approvals> approvals = new AtomicReference<>();
    private volatile long maxBodyBytes;

    /**
     * @param authenticator the bearer tokens
     * @param config the API's configuration (for the body limit)
     */
    @Activate
    public ApprovalServlet(@Reference TokenAuthenticator authenticator, ApiServlet.Config config) {
        this.authenticator = authenticator;
        modified(config);
    }

    /** @param config the API's configuration */
    @Modified
    void modified(ApiServlet.Config config) {
        long limit = config.max_body_bytes();
        maxBodyBytes = limit > 0 ? limit : ApiServlet.DEFAULT_MAX_BODY;
    }

    /** @param service the orchestrator's approvals */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindApprovals(Approvals service) {
        approvals.set(service);
    }

    /** @param service the approvals going away */
    void unbindApprovals(Approvals service) {
        approvals.compareAndSet(service, null);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        String[] segments = Router.split(path);
        ApprovalRoute route = Endpoint.route(ApprovalRoute.values(), method, segments);
        Identity identity = Auth.identity(authenticator, request, route.role());
        Approvals service = approvals.get();
        if (service == null) {
            throw missing("approvals (the orchestrator, bundle cuga.orchestrator)", Approvals.class.getName());
        }
        switch (route) {
            case LIST -> list(request, response, service);
            case SHOW -> show(request, response, service, identity, segments[3]);
            case APPROVE -> decide(request, response, service, identity, segments[3], true);
            case REJECT -> decide(request, response, service, identity, segments[3], false);
            default -> throw new IllegalStateException("route without a handler: " + route);
        }
    }

    // -------------------------------------------------------------------------------------------- handlers

    private static void list(HttpServletRequest request, HttpServletResponse response, Approvals service)
        throws IOException {
        Query query = Query.parse(request.getQueryString(), Set.of("status", "limit"));
        String status = query.oneOf("status", STATUSES);
        int limit = query.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        Approval.Status filter = status == null ? Approval.Status.PENDING
            : "ALL".equals(status) ? null : Approval.Status.valueOf(status);
        List<Approval> found = service.list(filter, limit);
        List<Map<String, Object>> out = new ArrayList<>(found.size());
        for (Approval approval : found) {
            out.add(json(approval));
        }
        Responses.json(response, 200, Map.of("approvals", out));
    }

    private static void show(HttpServletRequest request, HttpServletResponse response, Approvals service,
        Identity identity, String id) throws IOException {
        Query.parse(request.getQueryString(), Set.of());
        Optional<Approval> found = isId(id) ? service.get(id) : Optional.empty();
        // an agent sees its own approvals only; any other id answers as if it did not exist
        Approval approval = found.filter(a -> identity.role().satisfies(Role.APPROVER)
            || a.requester().equals(identity.principal())).orElseThrow(() -> notFound(id));
        Responses.json(response, 200, json(approval));
    }

    private void decide(HttpServletRequest request, HttpServletResponse response, Approvals service,
        Identity identity, String id, boolean approve) throws IOException {
        Query.parse(request.getQueryString(), Set.of());
        String reason = reason(request);
        if (!isId(id)) {
            throw notFound(id);
        }
        Approval decided;
        try {
            decided = service.decide(id, approve, identity.principal(), reason);
        } catch (Approvals.ApprovalException e) {
            throw refused(service, id, e);
        }
        LOG.info("Approval {} {} by {}", id, approve ? "approved" : "rejected", identity.principal());
        Responses.json(response, 200, json(decided));
    }

    private String reason(HttpServletRequest request) throws IOException {
        long limit = maxBodyBytes;
        Map<?, ?> body;
        try (InputStream in = Bodies.open(request, limit)) {
            body = Bodies.parseObject(in, limit);
        }
        for (Object key : body.keySet()) {
            if (!"reason".equals(key)) {
                String field = String.valueOf(key);
                field = field.length() > 100 ? field.substring(0, 100) + "..." : field;
                throw new ApiException(400, "unknown_field", "unknown field '" + field
                    + "' in the request body; only 'reason' is accepted", Map.of("field", field));
            }
        }
        if (!(body.get("reason") instanceof String reason) || reason.isBlank()) {
            throw new ApiException(400, "invalid_request", "'reason' is required: say why, in 1-" + MAX_REASON
                + " characters", Map.of("field", "reason"));
        }
        if (reason.length() > MAX_REASON) {
            throw new ApiException(400, "invalid_request", "'reason' is longer than " + MAX_REASON + " characters",
                Map.of("field", "reason", "maxLength", MAX_REASON));
        }
        return reason.strip();
    }

    /**
     * @param service the approvals, asked for the current status of one that is no longer pending
     * @param id the approval's id
     * @param e why the decision was refused
     * @return the answer: 404, 409 (with the current status), 403 or 400
     */
    private static ApiException refused(Approvals service, String id, Approvals.ApprovalException e) {
        String message = e.getMessage() == null ? "the approval cannot be decided" : e.getMessage();
        return switch (e.problem()) {
            case NOT_FOUND -> notFound(id);
            case NOT_PENDING -> {
                Map<String, Object> details = new LinkedHashMap<>(2);
                details.put("id", id);
                try {
                    service.get(id).ifPresent(a -> details.put("status", status(a.status())));
                } catch (RuntimeException lookup) {
                    LOG.debug("Status of approval {} not readable for the 409: {}", id, lookup.toString());
                }
                yield new ApiException(409, "approval_not_pending", message, details);
            }
            case SELF_APPROVAL -> new ApiException(403, "self_approval", message, Map.of("id", id));
            case INVALID -> new ApiException(400, "invalid_request", message, Map.of("id", id));
        };
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /**
     * @param approval an approval
     * @return its JSON form: status in lower case, times in ISO-8601 (null when not yet), arguments as the
     *     orchestrator redacted them
     */
    static Map<String, Object> json(Approval approval) {
        Map<String, Object> out = new LinkedHashMap<>(18);
        out.put("id", approval.id());
        out.put("status", status(approval.status()));
        out.put("tool", approval.tool());
        out.put("risk", approval.risk());
        out.put("arguments", approval.arguments());
        out.put("requester", approval.requester());
        out.put("profile", approval.profile());
        out.put("session", approval.session());
        out.put("requiredBecause", approval.requiredBecause());
        out.put("createdAt", time(approval.createdAt()));
        out.put("expiresAt", time(approval.expiresAt()));
        out.put("decidedBy", approval.decidedBy());
        out.put("decidedAt", time(approval.decidedAt()));
        out.put("decisionReason", approval.decisionReason());
        out.put("outcome", approval.outcome());
        out.put("callId", approval.callId());
        out.put("traceId", approval.traceId());
        return out;
    }

    private static String status(Approval.Status status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    private static String time(Instant instant) {
        return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    /**
     * @param id a path segment
     * @return whether it can be an approval id: 1-128 of {@code A-Z a-z 0-9 . _ -}
     */
    static boolean isId(String id) {
        if (id.isEmpty() || id.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static ApiException notFound(String id) {
        String shown = id.length() > 100 ? id.substring(0, 100) + "..." : id;
        return new ApiException(404, "approval_not_found", "no approval with id '" + shown + "'",
            Map.of("id", shown));
    }
}
