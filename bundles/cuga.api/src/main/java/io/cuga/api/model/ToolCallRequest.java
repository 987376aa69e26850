package io.cuga.api.model;

import java.util.Objects;

/**
 * A tool call the model asks for.
 *
 * @param id the provider's id of the call (answered by a {@link ChatMessage.Role#TOOL} message)
 * @param name the tool's name
 * @param argumentsJson the arguments as the model wrote them: JSON text, not yet validated
 */
public record ToolCallRequest(String id, String name, String argumentsJson) {

    /** Checks the fields. */
    public ToolCallRequest {
        Objects.requireNonNull(name, "name");
        id = id == null ? "" : id;
        argumentsJson = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
    }
}
