package io.cuga.api.auth;

import java.util.Map;

/**
 * Why a request was not authenticated, ready to be answered as the REST API answers it: the HTTP status (401 no or
 * invalid token, 403 role or profile not allowed, 400 malformed header), a machine-readable code, a message safe for
 * the client, structured details and, for a 401, the {@code WWW-Authenticate} challenge.
 */
public final class AuthenticationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, Object> details;
    private final String challenge;

    /**
     * @param status the HTTP status (400, 401 or 403)
     * @param code the error code, such as {@code unauthorized}
     * @param message for the client
     * @param details structured details, never secrets
     * @param challenge the {@code WWW-Authenticate} value of a 401, or null
     */
    public AuthenticationException(int status, String code, String message, Map<String, Object> details,
        String challenge) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details == null ? Map.of() : Map.copyOf(details);
        this.challenge = challenge;
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the error code */
    public String code() {
        return code;
    }

    /** @return structured details, never null */
    public Map<String, Object> details() {
        return details == null ? Map.of() : details;
    }

    /** @return the {@code WWW-Authenticate} challenge of a 401, or null */
    public String challenge() {
        return challenge;
    }
}
