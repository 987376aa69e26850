package io.cuga.http.internal;

import java.io.IOException;
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

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/v1/budgets/{session}} (agent): the budgets of the caller's profile (resolved as the invoke
 * route resolves it: the token's profile or an allowed {@code X-Cuga-Profile}) for one session, {@code -} meaning
 * the calls without a session. The amounts come from the budget guardrail through {@link BudgetSource}; without
 * the budget bundle the route answers 503 naming it.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletName(BudgetServlet.NAME)
@HttpWhiteboardServletPattern(BudgetServlet.BASE + "/*")
public final class BudgetServlet extends JsonServlet {

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operation). */
    static final String NAME = "cuga.http.budgets";

    /** The base path. */
    static final String BASE = "/api/v1/budgets";

    /** The service the budgets come from (named in the 503 without it; not loaded here). */
    static final String BUDGET_VIEW = "io.cuga.guardrail.budget.BudgetView";

    /** The session segment that means "no session". */
    static final String NO_SESSION = "-";

    private static final long serialVersionUID = 1L;

    /** The routes of this servlet; the OpenAPI document lists exactly these under {@value #NAME}. */
    enum BudgetRoute implements Endpoint {
        /** The budgets of the caller's profile in one session. */
        SESSION("GET", BASE + "/{session}");

        private final String method;
        private final String template;

        BudgetRoute(String method, String template) {
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
            return Role.AGENT;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<BudgetSource> source = new AtomicReference<>();

    /** @param authenticator the bearer tokens */
    @Activate
    public BudgetServlet(@Reference TokenAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** @param service the budgets */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindBudgetSource(BudgetSource service) {
        source.set(service);
    }

    /** @param service the budgets going away */
    void unbindBudgetSource(BudgetSource service) {
        source.compareAndSet(service, null);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        String[] segments = Router.split(path);
        BudgetRoute route = Endpoint.route(BudgetRoute.values(), method, segments);
        Caller caller = Auth.caller(authenticator, request, route.role());
        Query.parse(request.getQueryString(), Set.of());
        String session = session(segments[3]);
        BudgetSource budgets = source.get();
        if (budgets == null) {
            throw missing("the budget view (bundle cuga.guardrail.budget)", BUDGET_VIEW);
        }
        List<Map<String, Object>> list = budgets.budgets(caller.profile(), session);
        Map<String, Object> body = new LinkedHashMap<>(3);
        body.put("profile", caller.profile());
        body.put("session", session);
        body.put("budgets", list);
        Responses.json(response, 200, body);
    }

    /**
     * @param segment the path's session segment
     * @return the session, empty for {@value #NO_SESSION}
     * @throws ApiException 400 naming {@code session} when it is not a session id
     */
    static String session(String segment) {
        if (NO_SESSION.equals(segment)) {
            return "";
        }
        if (!Names.isSession(segment)) {
            throw Query.invalid("session", "must be '-' (no session) or 1-" + Names.MAX_SESSION
                + " characters of A-Z a-z 0-9 . _ : -");
        }
        return segment;
    }
}
