package io.cuga.api.model;

import java.util.List;

/**
 * A model's answer.
 *
 * @param text the text, empty when it only called tools
 * @param toolCalls the tool calls it asks for, in order
 * @param usage the tokens the provider reported
 * @param finishReason the provider's reason for stopping ({@code stop}, {@code tool_calls}, {@code length}, ...)
 * @param model the model that answered, as the provider names it
 */
public record ChatResponse(String text, List<ToolCallRequest> toolCalls, TokenUsage usage, String finishReason,
    String model) {

    /** Normalises the fields. */
    public ChatResponse {
        text = text == null ? "" : text;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? TokenUsage.NONE : usage;
        finishReason = finishReason == null ? "" : finishReason;
        model = model == null ? "" : model;
    }

    /**
     * Tokens used by one model call.
     *
     * @param input prompt tokens
     * @param output completion tokens
     */
    public record TokenUsage(long input, long output) {

        /** Nothing reported. */
        public static final TokenUsage NONE = new TokenUsage(0, 0);

        /** @return input plus output */
        public long total() {
            return input + output;
        }
    }
}
