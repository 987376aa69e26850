package io.cuga.http.internal;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Bearer-token authentication, role checks and the caller's profile and session, shared by every servlet of this
 * bundle so that a route of any servlet resolves a caller exactly as the invoke route does.
 */
final class Auth {

    /** Request header choosing the policy profile. */
    static final String PROFILE_HEADER = "X-Cuga-Profile";

    /** Request header naming the session. */
    static final String SESSION_HEADER = "X-Cuga-Session";

    /** The {@code WWW-Authenticate} challenge of a 401. */
    static final String BEARER_CHALLENGE = "Bearer realm=\"cuga\"";

    private Auth() {
    }

    /**
     * @param authenticator the token table
     * @param request the request
     * @param required the least role the route accepts
     * @return who the token belongs to
     * @throws ApiException 401 without a valid token, 403 when its role is below {@code required}
     */
    static Identity identity(TokenAuthenticator authenticator, HttpServletRequest request, Role required) {
        return identity(authenticator, request.getHeader("Authorization"), required);
    }

    /**
     * @param authenticator the token table
     * @param authorization the Authorization header, or null
     * @param required the least role the route accepts
     * @return who the token belongs to
     * @throws ApiException 401 without a valid token, 403 when its role is below {@code required}
     */
    static Identity identity(TokenAuthenticator authenticator, String authorization, Role required) {
        String token = bearer(authorization);
        if (token == null) {
            throw new ApiException(401, "unauthorized", "a bearer token is required (Authorization: Bearer ...)",
                Map.of(), Map.of("WWW-Authenticate", BEARER_CHALLENGE));
        }
        Identity identity = authenticator.authenticate(token);
        if (identity == null) {
            throw new ApiException(401, "unauthorized", "the bearer token is not valid", Map.of(),
                Map.of("WWW-Authenticate", BEARER_CHALLENGE + ", error=\"invalid_token\""));
        }
        if (!identity.role().satisfies(required)) {
            throw new ApiException(403, "forbidden", "this route needs role " + required.label() + " or higher",
                Map.of("requiredRole", required.label(), "role", identity.role().label()));
        }
        return identity;
    }

    /**
     * Authenticates and resolves the profile and session: {@code X-Cuga-Profile} when given and allowed for the
     * token, otherwise the token's default profile; {@code X-Cuga-Session}, empty when absent.
     *
     * @param authenticator the token table
     * @param request the request
     * @param required the least role the route accepts
     * @return the caller
     * @throws ApiException 401, 403 (role or profile), 400 {@code invalid_header}
     */
    static Caller caller(TokenAuthenticator authenticator, HttpServletRequest request, Role required) {
        return caller(authenticator, request.getHeader("Authorization"), request.getHeader(PROFILE_HEADER),
            request.getHeader(SESSION_HEADER), required);
    }

    /**
     * {@link #caller(TokenAuthenticator, HttpServletRequest, Role)} from the header values themselves.
     *
     * @param authenticator the token table
     * @param authorization the Authorization header, or null
     * @param requested the X-Cuga-Profile header, or null
     * @param sessionHeader the X-Cuga-Session header, or null
     * @param required the least role the route accepts
     * @return the caller
     * @throws ApiException 401, 403 (role or profile), 400 {@code invalid_header}
     */
    static Caller caller(TokenAuthenticator authenticator, String authorization, String requested,
        String sessionHeader, Role required) {
        Identity identity = identity(authenticator, authorization, required);
        String profile = identity.defaultProfile();
        if (requested != null) {
            if (!Names.isProfile(requested)) {
                throw new ApiException(400, "invalid_header",
                    PROFILE_HEADER + " must be 1-" + Names.MAX_PROFILE + " characters of A-Z a-z 0-9 . _ -",
                    Map.of("header", PROFILE_HEADER));
            }
            if (!identity.mayUse(requested)) {
                throw new ApiException(403, "forbidden", "this token may not use profile '" + requested + "'",
                    Map.of("header", PROFILE_HEADER, "profile", requested, "allowed", identity.profile()));
            }
            profile = requested;
        }
        String session = sessionHeader;
        if (session == null) {
            session = "";
        } else if (!Names.isSession(session)) {
            throw new ApiException(400, "invalid_header",
                SESSION_HEADER + " must be 1-" + Names.MAX_SESSION + " characters of A-Z a-z 0-9 . _ : -",
                Map.of("header", SESSION_HEADER));
        }
        return new Caller(identity, profile, session);
    }

    /**
     * @param header an Authorization header, or null
     * @return the bearer token, or null when the header is absent, of another scheme, or empty
     */
    static String bearer(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}
