package io.cuga.api.auth;

import java.util.Objects;

/**
 * A caller whose bearer token was accepted, with the profile and session its request runs under.
 *
 * @param principal the caller's name (for the dispatcher and the audit trail)
 * @param role what the caller may do
 * @param profile the policy profile: the requested one when given and allowed for the token, else the token's
 * @param session the requested session id, empty when none
 */
public record AuthenticatedCaller(String principal, Role role, String profile, String session) {

    /** Checks and normalises the fields. */
    public AuthenticatedCaller {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(profile, "profile");
        session = session == null ? "" : session;
    }
}
