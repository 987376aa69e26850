package io.cuga.http.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.cuga.api.decision.Decision;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Writes JSON answers: serialised to bytes first, so every response has a Content-Length and no chunking. */
final class Responses {

    private static final Map<String, Object> ALLOW = Collections.unmodifiableMap(decisionMap(Decision.allow()));

    private Responses() {
    }

    /**
     * Sets the headers every answer of this bundle carries.
     *
     * @param response the response
     * @param trace the request's trace context
     */
    static void common(HttpServletResponse response, TraceContext trace) {
        response.setHeader(TraceContext.HEADER, trace.traceparent());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
    }

    /**
     * @param response the response
     * @param status the HTTP status
     * @param body a JSON-compatible value
     * @throws IOException when serialising or sending fails
     */
    static void json(HttpServletResponse response, int status, Object body) throws IOException {
        bytes(response, status, Json.MAPPER.writeValueAsBytes(body));
    }

    /**
     * @param response the response
     * @param status the HTTP status
     * @param json the JSON document, UTF-8
     * @throws IOException when sending fails
     */
    static void bytes(HttpServletResponse response, int status, byte[] json) throws IOException {
        response.setStatus(status);
        response.setContentType(Json.CONTENT_TYPE);
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }

    /**
     * @param response the response
     * @param error the error to answer with, headers included
     * @throws IOException when sending fails
     */
    static void error(HttpServletResponse response, ApiException error) throws IOException {
        error.headers().forEach(response::setHeader);
        json(response, error.status(), errorBody(error.code(), error.getMessage(), error.details()));
    }

    /** The most unread request body an error answer discards to keep the connection usable. */
    static final long DRAIN_LIMIT = 4L * 1024 * 1024;

    /**
     * Answers an error to a request whose body may be left unread (refused for its size, type or auth before it
     * was read). Up to {@link #DRAIN_LIMIT} bytes of the rest are read and discarded first, so the client, still
     * sending, sees the answer and may reuse the connection; a larger rest closes the connection after the
     * answer, so a client never sends its next request on a connection the server is about to drop.
     */
    static void error(HttpServletRequest request, HttpServletResponse response, ApiException error)
        throws IOException {
        if ((request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null)
            && !drained(request)) {
            response.setHeader("Connection", "close");
        }
        error(response, error);
    }

    /** @return true when the request body was read to its end within {@link #DRAIN_LIMIT} bytes */
    private static boolean drained(HttpServletRequest request) {
        try {
            java.io.InputStream in = request.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (total > DRAIN_LIMIT) {
                    return false;
                }
            }
            return true;
        } catch (IOException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * @param code the error code
     * @param message the message
     * @param details the details
     * @return {@code {"error":{"code","message","details"}}}
     */
    static Map<String, Object> errorBody(String code, String message, Map<String, Object> details) {
        Map<String, Object> error = new LinkedHashMap<>(4);
        error.put("code", code);
        error.put("message", message);
        error.put("details", details == null ? Map.of() : details);
        return Map.of("error", error);
    }

    /**
     * @param decision a decision, or null
     * @return {@code {"verdict","guardrail","rule","reason"}}, or null
     */
    static Map<String, Object> decision(Decision decision) {
        if (decision == null) {
            return null;
        }
        return decision == Decision.allow() ? ALLOW : decisionMap(decision);
    }

    private static Map<String, Object> decisionMap(Decision decision) {
        Map<String, Object> out = new LinkedHashMap<>(4);
        out.put("verdict", decision.verdict().name());
        out.put("guardrail", decision.guardrail());
        out.put("rule", decision.rule());
        out.put("reason", decision.reason());
        return out;
    }
}
