package io.cuga.api.model;

import java.util.List;

/**
 * What to ask a model.
 *
 * @param messages the conversation so far, at least one message
 * @param tools the tools it may call (at most {@link #MAX_TOOLS}; providers refuse more)
 * @param temperature sampling temperature, or a negative number for the model's default
 * @param maxOutputTokens the most tokens it may answer with, 0 for the model's default
 * @param timeoutMillis the whole call's deadline
 */
public record ChatRequest(List<ChatMessage> messages, List<ToolSpec> tools, double temperature, int maxOutputTokens,
    long timeoutMillis) {

    /** The most tools one request may offer. */
    public static final int MAX_TOOLS = 128;

    /** Checks and normalises the fields. */
    public ChatRequest {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        tools = tools == null ? List.of() : List.copyOf(tools);
        if (tools.size() > MAX_TOOLS) {
            throw new IllegalArgumentException("at most " + MAX_TOOLS + " tools, not " + tools.size());
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be positive");
        }
    }
}
