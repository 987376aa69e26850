/**
 * The one guarded path to a tool. HTTP, MCP, agents and batch callers all go through
 * {@link io.cuga.api.dispatch.Dispatcher}; there is no other way to reach a tool service. Since 1.3 a
 * {@link io.cuga.api.dispatch.CallRequest} carries its parent's sampled flag, and bundles add their own
 * diagnostics through {@link io.cuga.api.dispatch.DiagnosticSource}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package io.cuga.api.dispatch;
