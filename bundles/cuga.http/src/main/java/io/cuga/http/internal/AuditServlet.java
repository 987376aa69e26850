package io.cuga.http.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import io.cuga.api.store.AuditPage;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.ChainVerification;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The audit routes (admin), over the store's {@link AuditTrail}: {@code GET /api/v1/audit} lists records newest
 * first, filtered and paged with an opaque cursor; {@code GET /api/v1/audit/verify} walks the hash chain. Without
 * an audit trail both answer 503 naming it; a store that fails answers {@code 503 store_unavailable}.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletName(AuditServlet.NAME)
@HttpWhiteboardServletPattern({AuditServlet.BASE, AuditServlet.BASE + "/*"})
public final class AuditServlet extends JsonServlet {

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operations). */
    static final String NAME = "cuga.http.audit";

    /** The base path. */
    static final String BASE = "/api/v1/audit";

    /** The page size when {@code limit} is not given. */
    static final int DEFAULT_LIMIT = 100;

    /** The final verdicts a record may carry, for the {@code decision} filter. */
    static final List<String> DECISIONS = List.of("ALLOW", "WARN", "REQUIRE_APPROVAL", "DENY");

    /** The query parameters of {@code GET /api/v1/audit}. */
    static final Set<String> PARAMETERS = Set.of("trace", "call", "tool", "decision", "kind", "profile", "since",
        "limit", "before");

    private static final long serialVersionUID = 1L;
    private static final String CURSOR_PREFIX = "seq:";

    /** The routes of this servlet; the OpenAPI document lists exactly these under {@value #NAME}. */
    enum AuditRoute implements Endpoint {
        /** Records, newest first, filtered and paged. */
        QUERY("GET", BASE),
        /** The hash chain checked from the first record. */
        VERIFY("GET", BASE + "/verify");

        private final String method;
        private final String template;

        AuditRoute(String method, String template) {
            this.method = method;
            this.template = template;
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
            return Role.ADMIN;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<AuditTrail> trail = new AtomicReference<>();

    /** @param authenticator the bearer tokens */
    @Activate
    public AuditServlet(@Reference TokenAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** @param service the audit trail */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindAuditTrail(AuditTrail service) {
        trail.set(service);
    }

    /** @param service the audit trail going away */
    void unbindAuditTrail(AuditTrail service) {
        trail.compareAndSet(service, null);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        AuditRoute route = Endpoint.route(AuditRoute.values(), method, Router.split(path));
        Auth.identity(authenticator, request, route.role());
        switch (route) {
            case QUERY -> {
                AuditQuery query = query(Query.parse(request.getQueryString(), PARAMETERS));
                page(response, trail().query(query));
            }
            case VERIFY -> {
                Query.parse(request.getQueryString(), Set.of());
                verify(response, trail().verify());
            }
            default -> throw new IllegalStateException("route without a handler: " + route);
        }
    }

    private AuditTrail trail() {
        AuditTrail current = trail.get();
        if (current == null) {
            throw missing("the audit trail (a store bundle: cuga.store.sqlite or cuga.store.postgres)",
                AuditTrail.class.getName());
        }
        return current;
    }

    /**
     * @param query the request's parameters
     * @return the store query
     * @throws ApiException 400 naming the parameter when a value is not acceptable
     */
    static AuditQuery query(Query query) {
        String trace = query.text("trace");
        if (trace != null) {
            trace = trace.toLowerCase(java.util.Locale.ROOT);
            if (!TraceContext.isTraceId(trace)) {
                throw Query.invalid("trace", "must be a W3C trace id: 32 hexadecimal digits, not all zero");
            }
        }
        String profile = query.text("profile");
        if (profile != null && !Names.isProfile(profile)) {
            throw Query.invalid("profile", "must be 1-" + Names.MAX_PROFILE + " characters of A-Z a-z 0-9 . _ -");
        }
        String decision = query.oneOf("decision", DECISIONS);
        Instant since = query.instant("since");
        int limit = query.integer("limit", DEFAULT_LIMIT, 1, AuditQuery.MAX_LIMIT);
        long before = cursor(query.text("before"));
        return new AuditQuery(trace, query.text("call"), query.text("tool"), decision, query.text("kind"), profile,
            since, before, limit);
    }

    /**
     * @param seq a store position, positive
     * @return the opaque cursor that asks for the records before it
     */
    static String cursor(long seq) {
        return Base64.getUrlEncoder().withoutPadding()
            .encodeToString((CURSOR_PREFIX + seq).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @param cursor a cursor from a previous page's {@code next}, or null
     * @return the position it stands for, 0 for null
     * @throws ApiException 400 naming {@code before} when it is not a cursor of this API
     */
    static long cursor(String cursor) {
        if (cursor == null) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (text.startsWith(CURSOR_PREFIX)) {
                long seq = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
                if (seq > 0) {
                    return seq;
                }
            }
        } catch (IllegalArgumentException e) {
            // not base64, or not a number: answered below
        }
        throw Query.invalid("before", "is not a cursor of this API; pass the 'next' value of the previous page");
    }

    private static void page(HttpServletResponse response, AuditPage page) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>(page.records().size());
        for (AuditRecord record : page.records()) {
            records.add(record(record));
        }
        Map<String, Object> body = new LinkedHashMap<>(2);
        body.put("records", records);
        body.put("next", page.next() > 0 ? cursor(page.next()) : null);
        Responses.json(response, 200, body);
    }

    /**
     * @param record an audit record
     * @return every field of it, the time in ISO-8601
     */
    static Map<String, Object> record(AuditRecord record) {
        Map<String, Object> out = new LinkedHashMap<>(24);
        out.put("seq", record.seq());
        out.put("id", record.id());
        out.put("time", DateTimeFormatter.ISO_INSTANT.format(record.time()));
        out.put("kind", record.kind());
        out.put("traceId", record.traceId());
        out.put("callId", record.callId());
        out.put("profile", record.profile());
        out.put("session", record.session());
        out.put("caller", record.caller());
        out.put("tool", record.tool());
        out.put("argumentsDigest", record.argumentsDigest());
        out.put("decisions", record.decisions());
        out.put("decision", record.decision());
        out.put("reason", record.reason());
        out.put("outcome", record.outcome());
        out.put("durationMicros", record.durationMicros());
        out.put("errorType", record.errorType());
        out.put("data", record.data());
        out.put("prevHash", record.prevHash());
        out.put("hash", record.hash());
        return out;
    }

    private static void verify(HttpServletResponse response, ChainVerification result) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>(4);
        body.put("intact", result.intact());
        body.put("records", result.records());
        body.put("firstBrokenSeq", result.firstBrokenSeq());
        body.put("problem", result.problem() == null ? "" : result.problem());
        Responses.json(response, 200, body);
    }
}
