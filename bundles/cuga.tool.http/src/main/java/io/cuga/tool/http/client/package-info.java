/**
 * The platform's egress-checked HTTP client, shared by the tool bundles that call HTTP services
 * ({@code cuga.tool.http}, {@code cuga.tool.openapi}): every URL, redirect and resolved address goes through
 * {@link io.cuga.api.net.EgressGuard} under the call's profile, the response body is bounded, idempotent requests
 * are retried, and every message has its URL redacted. Apache HttpClient stays embedded and private: no type of
 * it appears here.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.tool.http.client;
