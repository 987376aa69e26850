package io.cuga.api.auth;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Resolves the caller of an HTTP request from its headers, exactly as the REST API does: the bearer token of
 * {@code Authorization}, the profile of {@value #PROFILE_HEADER} (when given it must be allowed for the token; else
 * the token's own profile), the session of {@value #SESSION_HEADER}, and the least role the route needs.
 */
@ProviderType
public interface Authenticator {

    /** Request header choosing the policy profile. */
    String PROFILE_HEADER = "X-Cuga-Profile";

    /** Request header naming the session. */
    String SESSION_HEADER = "X-Cuga-Session";

    /**
     * @param authorization the {@code Authorization} header, or null
     * @param profile the {@value #PROFILE_HEADER} header, or null
     * @param session the {@value #SESSION_HEADER} header, or null
     * @param required the least role the route accepts
     * @return the caller
     * @throws AuthenticationException 401 without a valid token, 403 when the role or profile is not allowed, 400
     *     for a malformed header
     */
    AuthenticatedCaller authenticate(String authorization, String profile, String session, Role required)
        throws AuthenticationException;
}
