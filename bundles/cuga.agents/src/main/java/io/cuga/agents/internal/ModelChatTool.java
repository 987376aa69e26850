package io.cuga.agents.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cuga.api.model.ChatMessage;
import io.cuga.api.model.ChatModel;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ChatResponse;
import io.cuga.api.model.ModelException;
import io.cuga.api.model.ToolCallRequest;
import io.cuga.api.model.ToolSpec;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.api.tool.ToolService;

/**
 * The chat model as a tool, so a model call takes the one guarded path: allowlisted, schema-checked, budgeted
 * (the tokens the model reports go to {@link ToolCall#reportUsage}, which the budget guardrail settles), audited
 * and traced like any call. Registered only while a {@link ChatModel} is (the highest-ranked one when several).
 * Planners never call the model directly; the task runtime dispatches this tool.
 *
 * <p>A {@link ModelException} becomes a {@link ToolException} with code {@code model_<kind>} (for example
 * {@code model_bad_response}); the agents retry only the kinds the model SPI calls retryable.
 */
@Component(service = Tool.class)
@ToolService(name = ModelChatTool.NAME, description = "Asks the configured language model for the next turn of "
    + "a conversation, with the tools it may call; answers its text, the tool calls it wants and the tokens it "
    + "used. Used by the model planner.", risk = RiskTier.EXTERNAL, schema = "/schemas/model_chat.json",
    timeout_millis = ModelChatTool.TIMEOUT_MILLIS)
public final class ModelChatTool implements Tool {

    /** The tool's name. */
    static final String NAME = "model_chat";
    /** Names of model tools start so; planners never offer them to a model. */
    static final String PREFIX = "model_";
    /** The call's deadline. */
    static final long TIMEOUT_MILLIS = 120_000;
    /** Error code prefix of a failed model call. */
    static final String ERROR_PREFIX = "model_";

    private final ChatModel model;

    /** @param model the model */
    @Activate
    public ModelChatTool(@Reference(policyOption = ReferencePolicyOption.GREEDY) ChatModel model) {
        this.model = model;
    }

    @Override
    public Object invoke(ToolCall call) throws Exception {
        ChatRequest request = request(call.arguments(), call.deadline());
        ChatResponse response;
        try {
            response = model.chat(request);
        } catch (ModelException e) {
            throw new ToolException(code(e.kind()), "the model failed (" + e.kind().name().toLowerCase(Locale.ROOT)
                + "): " + e.getMessage());
        }
        call.reportUsage(response.usage().input(), response.usage().output(), null);
        return result(response);
    }

    /** @return the error code of a model failure, e.g. {@code model_rate_limited} */
    static String code(ModelException.Kind kind) {
        return ERROR_PREFIX + kind.name().toLowerCase(Locale.ROOT);
    }

    /** @return whether a failed model call of this error code may succeed when tried again */
    static boolean retryable(String errorCode) {
        for (ModelException.Kind k : ModelException.Kind.values()) {
            if (code(k).equals(errorCode)) {
                return k.retryable();
            }
        }
        return false;
    }

    /** The tool's arguments (validated against its schema) as a chat request. */
    static ChatRequest request(Map<String, Object> arguments, Instant deadline) throws ToolException {
        List<ChatMessage> messages = new ArrayList<>();
        for (Object o : list(arguments.get("messages"))) {
            Map<?, ?> m = (Map<?, ?>) o;
            ChatMessage.Role role = ChatMessage.Role.valueOf(String.valueOf(m.get("role")).toUpperCase(Locale.ROOT));
            List<ToolCallRequest> calls = new ArrayList<>();
            for (Object c : list(m.get("toolCalls"))) {
                Map<?, ?> call = (Map<?, ?>) c;
                calls.add(new ToolCallRequest(text(call.get("id")), text(call.get("name")),
                    text(call.get("arguments"))));
            }
            messages.add(new ChatMessage(role, text(m.get("content")), calls, text(m.get("toolCallId"))));
        }
        List<ToolSpec> tools = new ArrayList<>();
        for (Object o : list(arguments.get("tools"))) {
            Map<?, ?> t = (Map<?, ?>) o;
            String schema;
            try {
                schema = t.get("parameters") == null ? null : TaskCodec.JSON.writeValueAsString(t.get("parameters"));
            } catch (IOException e) {
                throw new ToolException("invalid_arguments", "the parameters of tool " + t.get("name")
                    + " are not JSON");
            }
            tools.add(new ToolSpec(text(t.get("name")), text(t.get("description")), schema));
        }
        double temperature = arguments.get("temperature") instanceof Number n ? n.doubleValue() : -1;
        int maxTokens = arguments.get("maxOutputTokens") instanceof Number n ? n.intValue() : 0;
        long millis = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
        try {
            return new ChatRequest(messages, tools, temperature, maxTokens, millis);
        } catch (IllegalArgumentException e) {
            throw new ToolException("invalid_arguments", e.getMessage());
        }
    }

    /** The model's answer as the tool's JSON result. */
    static Map<String, Object> result(ChatResponse response) {
        List<Object> calls = new ArrayList<>();
        for (ToolCallRequest c : response.toolCalls()) {
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", c.id());
            call.put("name", c.name());
            call.put("arguments", c.argumentsJson());
            calls.add(call);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("text", response.text());
        out.put("toolCalls", calls);
        out.put("usage", Map.of("inputTokens", response.usage().input(), "outputTokens", response.usage().output()));
        out.put("finishReason", response.finishReason());
        out.put("model", response.model());
        return out;
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String text(Object o) {
        return o == null ? "" : String.valueOf(o);
    }
}
