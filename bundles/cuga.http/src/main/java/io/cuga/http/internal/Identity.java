package io.cuga.http.internal;

/**
 * Who a valid bearer token belongs to.
 *
 * @param principal the caller's name, passed to the dispatcher and written to the audit trail
 * @param role what the caller may do
 * @param profile the token's policy profile; {@link #ANY_PROFILE} lets the caller choose any with
 *     {@code X-Cuga-Profile} (and means {@code default} when it does not)
 * @param source where the token was configured (for example {@code env:AGENT_TOKEN}), never the token itself
 */
record Identity(String principal, Role role, String profile, String source) {

    /** The profile value that allows a token to choose any profile. */
    static final String ANY_PROFILE = "*";

    /** The profile used when none is chosen. */
    static final String DEFAULT_PROFILE = "default";

    /** @return the profile used when the request names none */
    String defaultProfile() {
        return ANY_PROFILE.equals(profile) ? DEFAULT_PROFILE : profile;
    }

    /**
     * @param requested a profile named by the request
     * @return whether this token may run under it
     */
    boolean mayUse(String requested) {
        return ANY_PROFILE.equals(profile) || profile.equals(requested);
    }
}
