/**
 * Redaction of secrets in JSON-compatible values. A profile's compiled {@code redaction} rules
 * ({@code policy.rules("redaction")}) are a {@link io.cuga.guardrail.redaction.Redactor}; without a policy,
 * {@link io.cuga.guardrail.redaction.KeyRedactor#defaults()} redacts the default keys.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.guardrail.redaction;
