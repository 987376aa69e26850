/**
 * Language models behind one SPI, one bundle per kind (an OpenAI-compatible chat model with native tool
 * calling; others later). A model call is made by the agents through the orchestrator, which budgets (tokens),
 * audits and traces it; a model bundle only speaks its protocol.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.model;
