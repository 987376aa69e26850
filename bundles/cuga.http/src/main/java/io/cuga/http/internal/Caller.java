package io.cuga.http.internal;

/**
 * An authenticated caller with the profile and session it runs under, resolved once per request by
 * {@link Auth#caller}.
 *
 * @param identity who the bearer token belongs to
 * @param profile the policy profile: {@code X-Cuga-Profile} when given and allowed, else the token's
 * @param session the {@code X-Cuga-Session} header, empty when absent
 */
record Caller(Identity identity, String profile, String session) {
}
