/**
 * The tool SPI: what a tool bundle implements and how it describes itself.
 *
 * <p>A tool is a Declarative Services component that provides {@link io.cuga.api.tool.Tool} and is annotated
 * with {@link io.cuga.api.tool.ToolService}. The orchestrator tracks every such service, hides it unless the
 * active policy allowlists both its name and its contributing bundle, and reaches it only through the one
 * guarded dispatcher path.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.cuga.api.tool;
