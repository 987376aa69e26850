package io.cuga.http.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.decision.Decision;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The benchmark baseline: {@code POST /bench/bare} parses an invoke body exactly as the API does and answers with
 * the shape of a successful invoke, without auth and without the dispatcher. Comparing its rate with the real
 * invoke shows what the guarded path costs. Registered only by {@link BenchServletRegistrar}.
 */
final class BareServlet extends HttpServlet {

    /** Where it is served. */
    static final String PATTERN = "/bench/bare";

    private static final long serialVersionUID = 1L;

    private final long maxBodyBytes;

    /** @param maxBodyBytes the request body limit, as the API applies it */
    BareServlet(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        TraceContext trace = TraceContext.fromHeader(request.getHeader(TraceContext.HEADER));
        Responses.common(response, trace);
        try {
            if (!"POST".equals(request.getMethod())) {
                throw new ApiException(405, "method_not_allowed", "this route accepts POST",
                    Map.of("allowed", List.of("POST")), Map.of("Allow", "POST"));
            }
            Map<String, Object> arguments = Bodies.parseInvoke(Bodies.open(request, maxBodyBytes), maxBodyBytes);
            Map<String, Object> body = new LinkedHashMap<>(4);
            body.put("result", result(arguments));
            body.put("decision", Responses.decision(Decision.allow()));
            body.put("callId", TraceContext.newTraceId());
            Responses.json(response, 200, body);
        } catch (ApiException e) {
            Responses.error(request, response, e);
        }
    }

    /**
     * @param arguments the parsed arguments
     * @return a result shaped like the calculator's: {@code {"expression": ..., "value": ...}}, the value a
     *     constant since nothing is evaluated
     */
    static Map<String, Object> result(Map<String, Object> arguments) {
        Map<String, Object> result = new LinkedHashMap<>(2);
        result.put("expression", arguments.get("expression"));
        result.put("value", 0);
        return result;
    }
}
