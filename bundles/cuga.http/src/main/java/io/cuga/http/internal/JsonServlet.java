package io.cuga.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * What every JSON servlet of this bundle does around its routes: the common headers and trace context, and one
 * place that turns whatever a handler throws into a JSON answer. An {@link ApiException} is answered as it says;
 * a {@link StoreUnavailableException} is {@code 503 store_unavailable} with its message (written to be safe for
 * clients); anything else is {@code 500 internal_error} with the trace id, logged once with its stack trace,
 * which never reaches the client.
 */
abstract class JsonServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(JsonServlet.class);

    @Override
    protected final void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        TraceContext trace = TraceContext.fromHeader(request.getHeader(TraceContext.HEADER));
        Responses.common(response, trace);
        String method = request.getMethod();
        String path = path(request);
        try {
            handle(request, response, method, path, trace);
        } catch (ApiException e) {
            if (!response.isCommitted()) {
                Responses.error(request, response, e);
            }
        } catch (StoreUnavailableException e) {
            LOG.warn("The store is unavailable while serving {} {} (trace {}): {}", method, path, trace.traceId(),
                e.getMessage());
            if (!response.isCommitted()) {
                Responses.error(request, response, storeUnavailable(e));
            }
        } catch (RuntimeException | IOException e) {
            failed(response, trace, method, path, e);
        }
    }

    /**
     * Serves one request; the common headers are set already.
     *
     * @param request the request
     * @param response the response
     * @param method the HTTP method
     * @param path the decoded path, starting with {@code /}
     * @param trace the request's trace context
     * @throws IOException when reading or writing fails
     */
    protected abstract void handle(HttpServletRequest request, HttpServletResponse response, String method,
        String path, TraceContext trace) throws IOException;

    private static void failed(HttpServletResponse response, TraceContext trace, String method, String path,
        Exception e) throws IOException {
        if (e instanceof EOFException) {
            LOG.debug("Client went away during {} {} (trace {})", method, path, trace.traceId());
            return;
        }
        LOG.error("Unexpected error serving {} {} (trace {})", method, path, trace.traceId(), e);
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        Responses.common(response, trace);
        Responses.json(response, 500, Responses.errorBody("internal_error",
            "the server failed to handle the request; the error is logged under trace " + trace.traceId(),
            Map.of("traceId", trace.traceId())));
    }

    /**
     * @param e the store's failure
     * @return {@code 503 store_unavailable} with the exception's message
     */
    static ApiException storeUnavailable(StoreUnavailableException e) {
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "the store is unavailable"
            : e.getMessage();
        return new ApiException(503, "store_unavailable", message, Map.of());
    }

    /**
     * @param what the missing service for people, such as "the audit trail (a store bundle)"
     * @param service the missing service's interface name
     * @return {@code 503 unavailable} naming what is missing
     */
    static ApiException missing(String what, String service) {
        Map<String, Object> details = new LinkedHashMap<>(1);
        details.put("missing", service);
        return new ApiException(503, "unavailable", what + " is not available; see GET /ready", details);
    }

    /**
     * @param request the request
     * @return the decoded path: servlet path plus path info, {@code /} when empty
     */
    static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = pathInfo == null ? servletPath : servletPath + pathInfo;
        return path == null || path.isEmpty() ? "/" : path;
    }
}
