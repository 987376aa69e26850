/**
 * Bearer-token authentication of the HTTP API, shared so that every HTTP surface (the REST API, the MCP server
 * at {@code /mcp}) resolves a caller the same way. cuga.http's token table provides the one
 * {@link io.cuga.api.auth.Authenticator} service; other bundles use it and never read tokens themselves.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.auth;
