package io.cuga.http.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import jakarta.servlet.Servlet;

/**
 * Not a test: serves the API (with an instant dispatcher) and the bare baseline on one port, so a load tool can
 * compare the two. Run: {@code java -cp target/test-classes:target/classes:<test classpath>
 * io.cuga.http.internal.PerfServer 18080} then wrk against /api/v1/tools/calculator/invoke and /bench/bare.
 */
public final class PerfServer {

    private PerfServer() {
    }

    public static void main(String[] args) throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("AGENT_TOKEN", "perf-agent-token"), null, TokenTable.CONSTANT_TIME);
        ApiServlet api = new ApiServlet(auth, Configs.defaults(ApiServlet.Config.class));
        TestDoubles.ScriptedDispatcher dispatcher = new TestDoubles.ScriptedDispatcher() {
            @Override
            public CallOutcome dispatch(io.cuga.api.dispatch.CallRequest request) {
                // no recording: a load run would fill memory
                return script.apply(request);
            }
        };
        dispatcher.script = request -> {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("expression", request.arguments().get("expression"));
            result.put("value", 0);
            return new CallOutcome(CallOutcome.Status.OK, request.tool(), TraceContext.newTraceId(),
                request.traceId(), result, null, null, Map.of(), Decision.allow(), 1);
        };
        api.bindDispatcher(dispatcher);
        api.bindToolRegistry(new TestDoubles.FixedRegistry());
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(api, JettyHarness.API_PATTERNS);
        servlets.put(new BareServlet(ApiServlet.DEFAULT_MAX_BODY), new String[] {BareServlet.PATTERN});
        JettyHarness http = new JettyHarness(servlets);
        System.out.println("PerfServer on port " + http.port());
        Thread.currentThread().join();
    }
}
