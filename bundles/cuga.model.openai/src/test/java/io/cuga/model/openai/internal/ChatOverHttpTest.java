package io.cuga.model.openai.internal;

import static io.cuga.model.openai.internal.ScriptedServer.completion;
import static io.cuga.model.openai.internal.ScriptedServer.json;
import static io.cuga.model.openai.internal.ScriptedServer.sse;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.model.ChatMessage;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ChatResponse;
import io.cuga.api.model.ToolCallRequest;
import io.cuga.api.model.ToolSpec;

/** What the client sends and what it makes of the answers, over real HTTP on loopback. */
class ChatOverHttpTest {

    static final String KEY = "sk-test-0123456789abcdef";

    ScriptedServer server;
    OpenAiCompatibleChatModel model;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
        model = new OpenAiCompatibleChatModel(new Settings(server.baseUrl(), "gpt-test", KEY, "api.key", "org-7",
            Duration.ofSeconds(10), 0));
    }

    @AfterEach
    void stop() {
        model.close();
        server.close();
    }

    static ChatRequest ask(String text) {
        return new ChatRequest(List.of(ChatMessage.system("Be brief."), ChatMessage.user(text)), List.of(), -1, 0,
            10_000);
    }

    static final ToolSpec WEATHER = new ToolSpec("get_weather", "The weather in a city",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"minLength\":1},"
            + "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}},\"required\":[\"city\"],"
            + "\"additionalProperties\":false}");

    @Test
    void plainTextAnswerWithModelUsageAndFinishReason() throws Exception {
        server.answer(json(200, completion("gpt-test-0613", "Hello there.", "stop", 12, 3)));

        ChatResponse r = model.chat(ask("Say hello"));

        assertThat(r.text()).isEqualTo("Hello there.");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.model()).isEqualTo("gpt-test-0613");
        assertThat(r.usage()).isEqualTo(new ChatResponse.TokenUsage(12, 3));

        ScriptedServer.Received sent = server.request();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(sent.organization()).isEqualTo("org-7");
        JsonNode body = sent.json();
        assertThat(body.path("model").asText()).isEqualTo("gpt-test");
        assertThat(body.path("messages")).hasSize(2);
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(body.path("messages").get(1).path("role").asText()).isEqualTo("user");
        assertThat(body.path("messages").get(1).path("content").asText()).isEqualTo("Say hello");
        assertThat(body.has("tools")).isFalse();
        assertThat(body.has("temperature")).isFalse();
        assertThat(body.has("max_tokens")).isFalse();
        assertThat(body.path("stream").asBoolean(false)).isFalse();
    }

    @Test
    void temperatureAndMaxTokensAreSentWhenGiven() throws Exception {
        server.answer(json(200, completion("gpt-test", "ok", "length", 5, 20)));

        ChatResponse r = model.chat(new ChatRequest(List.of(ChatMessage.user("Go on")), List.of(), 0.2, 20, 10_000));

        assertThat(r.finishReason()).isEqualTo("length");
        JsonNode body = server.request().json();
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(20);
    }

    @Test
    void noKeyMeansNoAuthorizationHeader() throws Exception {
        try (OpenAiCompatibleChatModel local = new OpenAiCompatibleChatModel(new Settings(server.baseUrl(),
            "llama3.1", "", "none", "", Duration.ofSeconds(10), 0))) {
            server.answer(json(200, completion("llama3.1", "hi", "stop", 1, 1)));
            assertThat(local.chat(ask("hi")).text()).isEqualTo("hi");
            ScriptedServer.Received sent = server.request();
            assertThat(sent.authorization()).isNull();
            assertThat(sent.organization()).isNull();
        }
    }

    @Test
    void oneToolCallWithTheToolListAndTheConversationSoFar() throws Exception {
        server.answer(json(200, "{\"id\":\"c\",\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\",\\\"days\\\":2}\"}}]},"
            + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":9}}"));
        List<ChatMessage> history = List.of(ChatMessage.user("Weather in Bergen, then Oslo?"),
            new ChatMessage(ChatMessage.Role.ASSISTANT, "", List.of(new ToolCallRequest("call_1", "get_weather",
                "{\"city\":\"Bergen\"}")), ""),
            ChatMessage.toolResult("call_1", "{\"temp\":11}"));

        ChatResponse r = model.chat(new ChatRequest(history, List.of(WEATHER), -1, 0, 10_000));

        assertThat(r.text()).isEmpty();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCalls()).containsExactly(
            new ToolCallRequest("call_9", "get_weather", "{\"city\":\"Oslo\",\"days\":2}"));
        assertThat(r.usage().total()).isEqualTo(59);

        JsonNode body = server.request().json();
        JsonNode tool = body.path("tools").get(0);
        assertThat(tool.path("type").asText()).isEqualTo("function");
        assertThat(tool.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(tool.path("function").path("description").asText()).isEqualTo("The weather in a city");
        JsonNode parameters = tool.path("function").path("parameters");
        assertThat(parameters.path("type").asText()).isEqualTo("object");
        assertThat(parameters.path("properties").path("city"))
            .isEqualTo(ScriptedServer.JSON.readTree("{\"type\":\"string\",\"minLength\":1}"));
        assertThat(parameters.path("properties").path("days"))
            .isEqualTo(ScriptedServer.JSON.readTree("{\"type\":\"integer\",\"minimum\":1,\"maximum\":7}"));
        assertThat(parameters.path("required")).hasSize(1);
        assertThat(parameters.path("required").get(0).asText()).isEqualTo("city");

        JsonNode messages = body.path("messages");
        assertThat(messages).hasSize(3);
        JsonNode assistant = messages.get(1);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        JsonNode call = assistant.path("tool_calls").get(0);
        assertThat(call.path("id").asText()).isEqualTo("call_1");
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Bergen\"}");
        JsonNode result = messages.get(2);
        assertThat(result.path("role").asText()).isEqualTo("tool");
        assertThat(result.path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(result.path("content").asText()).isEqualTo("{\"temp\":11}");
    }

    @Test
    void severalToolCallsInOrder() throws Exception {
        server.answer(json(200, "{\"id\":\"c\",\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"Checking both.\",\"tool_calls\":["
            + "{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}},"
            + "{\"id\":\"b\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}},"
            + "{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"now\",\"arguments\":\"\"}}]},"
            + "\"finish_reason\":\"tool_calls\"}]}"));

        ChatResponse r = model.chat(new ChatRequest(List.of(ChatMessage.user("Oslo and Rome")),
            List.of(WEATHER, new ToolSpec("now", "", null)), -1, 0, 10_000));

        assertThat(r.text()).isEqualTo("Checking both.");
        assertThat(r.toolCalls()).extracting(ToolCallRequest::id).containsExactly("a", "b", "c");
        assertThat(r.toolCalls()).extracting(ToolCallRequest::argumentsJson)
            .containsExactly("{\"city\":\"Oslo\"}", "{\"city\":\"Rome\"}", "{}");
        assertThat(r.usage()).isEqualTo(ChatResponse.TokenUsage.NONE);
        JsonNode tools = server.request().json().path("tools");
        assertThat(tools).hasSize(2);
        assertThat(tools.get(1).path("function").path("parameters").path("type").asText()).isEqualTo("object");
    }

    @Test
    void streamedTextArrivesInOrderAndTheWholeAnswerAtTheEnd() throws Exception {
        server.answer(sse(List.of(
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo, \"}}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"world.\"}}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test-0613\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":4}}"),
            true));
        List<String> parts = new ArrayList<>();

        ChatResponse r = model.stream(ask("Greet"), parts::add);

        assertThat(parts).containsExactly("Hel", "lo, ", "world.");
        assertThat(r.text()).isEqualTo("Hello, world.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.usage()).isEqualTo(new ChatResponse.TokenUsage(7, 4));
        assertThat(r.model()).isEqualTo("gpt-test-0613");
        ScriptedServer.Received sent = server.request();
        assertThat(sent.authorization()).isEqualTo("Bearer " + KEY);
        JsonNode body = sent.json();
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(body.path("model").asText()).isEqualTo("gpt-test");
    }

    @Test
    void streamedToolCallDeltasAreAssembledIntoWholeCalls() throws Exception {
        String head = "{\"id\":\"s\",\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":";
        server.answer(sse(List.of(
            head + "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
            head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}}]}",
            head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"Os\"}}]}}]}",
            head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"lo\\\"}\"}}]}}]}",
            head + "{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\"\"}}]}}]}",
            head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":\\\"Rome\\\",\\\"days\\\":3}\"}}]}}]}",
            head + "{},\"finish_reason\":\"tool_calls\"}]}",
            "{\"id\":\"s\",\"model\":\"gpt-test\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":20}}"),
            true));
        List<String> parts = new ArrayList<>();

        ChatResponse r = model.stream(new ChatRequest(List.of(ChatMessage.user("Oslo and Rome")), List.of(WEATHER),
            -1, 0, 10_000), parts::add);

        assertThat(parts).isEmpty();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCalls()).containsExactly(
            new ToolCallRequest("call_a", "get_weather", "{\"city\": \"Oslo\"}"),
            new ToolCallRequest("call_b", "get_weather", "{\"city\":\"Rome\",\"days\":3}"));
        assertThat(r.usage()).isEqualTo(new ChatResponse.TokenUsage(30, 20));
        assertThat(server.request().json().path("tools").get(0).path("function").path("name").asText())
            .isEqualTo("get_weather");
    }

    @Test
    void anUnknownFinishReasonIsPassedOnAsTheProviderWroteIt() throws Exception {
        server.answer(json(200, completion("m", "x", "eos_token", 1, 1)));
        assertThat(model.chat(ask("x")).finishReason()).isEqualTo("eos_token");
        server.answer(sse(List.of("{\"id\":\"s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},"
            + "\"finish_reason\":\"eos_token\"}]}"), true));
        assertThat(model.stream(ask("x"), t -> { }).finishReason()).isEqualTo("eos_token");
    }
}
