/**
 * Events: what happened, emitted by the orchestrator, guardrails, agents, store and policy loader, delivered to
 * exporters off the call path.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.event;
