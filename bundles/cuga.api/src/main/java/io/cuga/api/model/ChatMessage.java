package io.cuga.api.model;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role who speaks
 * @param content the text (may be empty for an assistant message that only calls tools)
 * @param toolCalls the tool calls of an assistant message, else empty
 * @param toolCallId for a {@link Role#TOOL} message: the id of the call it answers, else empty
 */
public record ChatMessage(Role role, String content, List<ToolCallRequest> toolCalls, String toolCallId) {

    /** Who speaks. */
    public enum Role {
        /** Instructions. */
        SYSTEM,
        /** The user. */
        USER,
        /** The model. */
        ASSISTANT,
        /** A tool's result, answering one of the model's tool calls. */
        TOOL
    }

    /** Checks and normalises the fields. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        toolCallId = toolCallId == null ? "" : toolCallId;
    }

    /** @return a system message */
    public static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, text, List.of(), "");
    }

    /** @return a user message */
    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, text, List.of(), "");
    }

    /** @return a tool result answering {@code callId} */
    public static ChatMessage toolResult(String callId, String json) {
        return new ChatMessage(Role.TOOL, json, List.of(), callId);
    }
}
