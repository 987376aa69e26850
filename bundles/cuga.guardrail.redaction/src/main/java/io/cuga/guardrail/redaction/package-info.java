/**
 * Redaction of secrets in JSON-compatible values. A profile's compiled {@code redaction} rules
 * ({@code policy.rules("redaction")}) are an {@link io.cuga.api.guardrail.Redactor}; without a policy,
 * {@link io.cuga.guardrail.redaction.KeyRedactor#defaults()} redacts the default keys. (2.0.0: the
 * {@code Redactor} interface moved to the API, so the orchestrator can redact without depending on this bundle.)
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package io.cuga.guardrail.redaction;
