package io.cuga.model.openai.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.cuga.api.model.ChatMessage;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ChatResponse;
import io.cuga.api.model.ModelException;
import io.cuga.api.model.ModelException.Kind;
import io.cuga.api.model.ToolCallRequest;
import io.cuga.api.model.ToolSpec;

/** Maps cuga's model SPI to LangChain4j's chat types and back. Stateless. */
final class Conversion {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Conversion() {
    }

    /**
     * @param request cuga's request
     * @param model the configured model name
     * @return LangChain4j's request: messages with roles, tool calls and results, the tools, temperature and
     *     maximum output tokens when given
     * @throws ModelException BAD_REQUEST for a message LangChain4j cannot carry or a schema that is not a JSON object
     */
    static dev.langchain4j.model.chat.request.ChatRequest toRequest(ChatRequest request, String model)
        throws ModelException {
        List<dev.langchain4j.data.message.ChatMessage> messages = new ArrayList<>(request.messages().size());
        Map<String, String> toolNames = new HashMap<>();
        int n = 0;
        for (ChatMessage m : request.messages()) {
            n++;
            messages.add(switch (m.role()) {
                case SYSTEM -> SystemMessage.from(requireText(m, n));
                case USER -> UserMessage.from(requireText(m, n));
                case ASSISTANT -> assistant(m, toolNames);
                case TOOL -> toolResult(m, n, toolNames);
            });
        }
        DefaultChatRequestParameters.Builder<?> parameters = ChatRequestParameters.builder().modelName(model);
        if (!request.tools().isEmpty()) {
            List<ToolSpecification> tools = new ArrayList<>(request.tools().size());
            for (ToolSpec t : request.tools()) {
                tools.add(tool(t));
            }
            parameters.toolSpecifications(tools);
        }
        if (request.temperature() >= 0) {
            parameters.temperature(request.temperature());
        }
        if (request.maxOutputTokens() > 0) {
            parameters.maxOutputTokens(request.maxOutputTokens());
        }
        return dev.langchain4j.model.chat.request.ChatRequest.builder().messages(messages)
            .parameters(parameters.build()).build();
    }

    private static String requireText(ChatMessage m, int n) throws ModelException {
        if (m.content().isBlank()) {
            throw new ModelException(Kind.BAD_REQUEST, "message " + n + " (" + m.role() + ") has no text", null);
        }
        return m.content();
    }

    private static AiMessage assistant(ChatMessage m, Map<String, String> toolNames) {
        if (m.toolCalls().isEmpty()) {
            return AiMessage.from(m.content());
        }
        List<ToolExecutionRequest> calls = new ArrayList<>(m.toolCalls().size());
        for (ToolCallRequest c : m.toolCalls()) {
            toolNames.put(c.id(), c.name());
            calls.add(ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(c.argumentsJson()).build());
        }
        return m.content().isEmpty() ? AiMessage.from(calls) : AiMessage.from(m.content(), calls);
    }

    private static ToolExecutionResultMessage toolResult(ChatMessage m, int n, Map<String, String> toolNames)
        throws ModelException {
        if (m.toolCallId().isEmpty()) {
            throw new ModelException(Kind.BAD_REQUEST, "message " + n + " (TOOL) names no tool call id", null);
        }
        // the protocol sends only the call id; the name is kept for LangChain4j's own bookkeeping
        return ToolExecutionResultMessage.from(m.toolCallId(), toolNames.getOrDefault(m.toolCallId(), ""),
            m.content());
    }

    /**
     * A tool as a function tool. The schema's properties, required list, description and $defs go to the
     * provider as written (each property's sub-schema verbatim); other top-level keywords are not sent.
     */
    static ToolSpecification tool(ToolSpec spec) throws ModelException {
        JsonNode schema;
        try {
            schema = JSON.readTree(spec.parametersSchema());
        } catch (JacksonException e) {
            schema = null;
        }
        if (schema == null || !schema.isObject()) {
            throw new ModelException(Kind.BAD_REQUEST, "the parameters of tool " + spec.name()
                + " are not a JSON Schema object", null);
        }
        JsonObjectSchema.Builder parameters = JsonObjectSchema.builder();
        if (schema.path("description").isTextual()) {
            parameters.description(schema.get("description").asText());
        }
        Map<String, JsonSchemaElement> properties = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> p = it.next();
            properties.put(p.getKey(), JsonRawSchema.from(p.getValue().toString()));
        }
        parameters.addProperties(properties);
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        if (!required.isEmpty()) {
            parameters.required(required);
        }
        JsonNode defs = schema.has("$defs") ? schema.get("$defs") : schema.path("definitions");
        if (defs.isObject() && defs.size() > 0) {
            Map<String, JsonSchemaElement> definitions = new LinkedHashMap<>();
            defs.fields().forEachRemaining(d -> definitions.put(d.getKey(), JsonRawSchema.from(d.getValue().toString())));
            parameters.definitions(definitions);
        }
        return ToolSpecification.builder().name(spec.name())
            .description(spec.description().isEmpty() ? null : spec.description()).parameters(parameters.build())
            .build();
    }

    /**
     * @param response LangChain4j's answer
     * @param rawFinishReason the provider's own finish reason when it could be read, else null
     * @param failures for a malformed tool call
     * @return cuga's answer
     * @throws ModelException BAD_RESPONSE when a tool call has no name or arguments that are not a JSON object
     */
    static ChatResponse fromResponse(dev.langchain4j.model.chat.response.ChatResponse response,
        String rawFinishReason, Failures failures) throws ModelException {
        AiMessage ai = response.aiMessage();
        if (ai == null) {
            throw failures.badResponse("no message");
        }
        List<ToolCallRequest> calls = new ArrayList<>();
        if (ai.hasToolExecutionRequests()) {
            for (ToolExecutionRequest r : ai.toolExecutionRequests()) {
                if (r.name() == null || r.name().isBlank()) {
                    throw failures.badResponse("a tool call without a name");
                }
                String arguments = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
                if (!isJsonObject(arguments)) {
                    throw failures.badResponse("the arguments of the call to " + failures.safe(r.name())
                        + " are not a JSON object");
                }
                calls.add(new ToolCallRequest(r.id(), r.name(), arguments));
            }
        }
        TokenUsage usage = response.tokenUsage();
        ChatResponse.TokenUsage tokens = usage == null ? ChatResponse.TokenUsage.NONE
            : new ChatResponse.TokenUsage(count(usage.inputTokenCount()), count(usage.outputTokenCount()));
        String finish = rawFinishReason != null ? rawFinishReason : finishReason(response.finishReason());
        return new ChatResponse(ai.text(), calls, tokens, finish, response.modelName());
    }

    private static long count(Integer n) {
        return n == null ? 0 : Math.max(0, n);
    }

    private static boolean isJsonObject(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject();
        } catch (JacksonException e) {
            return false;
        }
    }

    /** @return the protocol's name of LangChain4j's finish reason, empty for none */
    static String finishReason(FinishReason reason) {
        if (reason == null) {
            return "";
        }
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case TOOL_EXECUTION -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
            default -> reason.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * @param json one chat-completions JSON document (a whole answer or one stream chunk)
     * @return choices[0].finish_reason when present and not null, else null
     */
    static String rawFinishReason(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try {
            JsonNode reason = JSON.readTree(json).path("choices").path(0).path("finish_reason");
            return reason.isTextual() ? reason.asText() : null;
        } catch (JacksonException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @param json a whole chat-completions answer
     * @return whether it has a non-empty choices array
     */
    static boolean hasChoices(String json) {
        try {
            JsonNode choices = JSON.readTree(json).path("choices");
            return choices.isArray() && choices.size() > 0;
        } catch (JacksonException | RuntimeException e) {
            return false;
        }
    }
}
