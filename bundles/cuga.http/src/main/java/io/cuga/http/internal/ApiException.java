package io.cuga.http.internal;

import java.util.Map;

/**
 * An error the API answers with {@code {"error":{"code","message","details"}}}. Thrown inside request handling
 * and turned into the response at one place; it carries no stack trace (it is an answer, not a bug).
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, Object> details;
    private final transient Map<String, String> headers;

    /**
     * @param status the HTTP status
     * @param code the machine-readable code
     * @param message the human-readable message, safe to show to the caller
     * @param details structured details, never null
     * @param headers extra response headers, never null
     */
    ApiException(int status, String code, String message, Map<String, Object> details,
        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.headers = headers;
    }

    ApiException(int status, String code, String message, Map<String, Object> details) {
        this(status, code, message, details, Map.of());
    }

    ApiException(int status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, Object> details() {
        return details;
    }

    Map<String, String> headers() {
        return headers;
    }
}
