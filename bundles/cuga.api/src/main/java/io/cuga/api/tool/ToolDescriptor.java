package io.cuga.api.tool;

import java.util.List;
import java.util.Objects;

/**
 * What the orchestrator knows of a registered tool, read from its service properties and bundle.
 *
 * @param name the tool name
 * @param description what it does
 * @param inputSchema the JSON Schema of its arguments, as JSON text (never null; {@code {"type":"object"}}
 *     style default for tools without arguments)
 * @param risk its risk tier
 * @param outbound argument names that are outbound network targets
 * @param timeoutMillis its own timeout, 0 for the server default
 * @param bundle the contributing bundle's symbolic name
 * @param bundleVersion the contributing bundle's version
 */
public record ToolDescriptor(String name, String description, String inputSchema, RiskTier risk,
    List<String> outbound, long timeoutMillis, String bundle, String bundleVersion) {

    /** Checks the fields and freezes the list. */
    public ToolDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(inputSchema, "inputSchema");
        Objects.requireNonNull(risk, "risk");
        description = description == null ? "" : description;
        outbound = outbound == null ? List.of() : List.copyOf(outbound);
        bundle = bundle == null ? "" : bundle;
        bundleVersion = bundleVersion == null ? "" : bundleVersion;
    }
}
