/**
 * The guardrail SPI. Each guardrail type (allowlist, schema, egress, ratelimit, budget, approval, redaction)
 * ships as its own bundle providing a {@link io.cuga.api.guardrail.Guardrail} service. A policy names the types
 * it needs; a policy naming a type whose bundle is absent is refused, and when such a bundle goes away later,
 * the calls that need it are denied until it returns.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.cuga.api.guardrail;
