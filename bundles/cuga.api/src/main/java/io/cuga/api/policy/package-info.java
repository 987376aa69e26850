/**
 * Policy documents: one per profile, validated, activated atomically, kept in history. A call takes the
 * active {@link io.cuga.api.policy.Policy} of its profile once, at its start, and keeps it to its end.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.cuga.api.policy;
