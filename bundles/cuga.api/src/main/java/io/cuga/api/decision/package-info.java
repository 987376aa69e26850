/** Policy decisions on a call: which guardrail decided what, by which rule, and why. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.decision;
