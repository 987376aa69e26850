package io.cuga.api.model;

import java.util.Objects;

/**
 * A tool offered to the model.
 *
 * @param name the tool's name
 * @param description what it does
 * @param parametersSchema its arguments' JSON Schema (a JSON object as text)
 */
public record ToolSpec(String name, String description, String parametersSchema) {

    /** Checks the fields. */
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        parametersSchema = parametersSchema == null || parametersSchema.isBlank() ? "{\"type\":\"object\"}"
            : parametersSchema;
    }
}
