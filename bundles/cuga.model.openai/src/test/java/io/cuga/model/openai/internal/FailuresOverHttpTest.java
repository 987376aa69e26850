package io.cuga.model.openai.internal;

import static io.cuga.model.openai.internal.ChatOverHttpTest.KEY;
import static io.cuga.model.openai.internal.ChatOverHttpTest.ask;
import static io.cuga.model.openai.internal.ScriptedServer.completion;
import static io.cuga.model.openai.internal.ScriptedServer.json;
import static io.cuga.model.openai.internal.ScriptedServer.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.cuga.api.model.ChatMessage;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ModelException;
import io.cuga.api.model.ModelException.Kind;

/** Every way a provider can fail, each as one {@link ModelException} kind with a message safe to show. */
class FailuresOverHttpTest {

    ScriptedServer server;
    OpenAiCompatibleChatModel model;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
        model = new OpenAiCompatibleChatModel(new Settings(server.baseUrl(), "gpt-test", KEY, "api.key", "",
            Duration.ofSeconds(10), 0));
    }

    @AfterEach
    void stop() {
        model.close();
        server.close();
    }

    ModelException chatFails() {
        return catchThrowableOfType(ModelException.class, () -> model.chat(ask("hi")));
    }

    ModelException streamFails() {
        return catchThrowableOfType(ModelException.class, () -> model.stream(ask("hi"), t -> { }));
    }

    static void assertSafe(ModelException e) {
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).doesNotContain(KEY).doesNotContain("0123456789abcdef");
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(KEY);
        }
    }

    @ParameterizedTest
    @CsvSource({"401,AUTHENTICATION", "403,AUTHENTICATION", "429,RATE_LIMITED", "400,BAD_REQUEST",
        "404,BAD_REQUEST", "422,BAD_REQUEST", "500,UNAVAILABLE", "502,UNAVAILABLE", "503,UNAVAILABLE"})
    void eachHttpStatusIsOneKindWithTheProvidersShortMessage(int status, Kind kind) {
        // a provider that echoes the key and writes a long body: neither may reach the message
        String longTail = "x".repeat(5_000);
        server.answer(json(status, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY
            + ".\",\"type\":\"invalid_request_error\",\"trace\":\"" + longTail + "\"}}"));

        for (ModelException e : List.of(chatFails(), streamFails())) {
            assertSafe(e);
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.kind().retryable()).isEqualTo(kind == Kind.RATE_LIMITED || kind == Kind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("HTTP " + status).contains("Incorrect API key provided: ***")
                .doesNotContain(longTail.substring(0, 50));
            assertThat(e.getMessage().length()).isLessThan(300);
        }
    }

    @Test
    void anOllamaStyleErrorAndANonJsonErrorBody() {
        server.answer(json(404, "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}"));
        ModelException e = chatFails();
        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
        assertThat(e.getMessage()).isEqualTo("the model answered HTTP 404: model \"llama9\" not found, try pulling it first");

        server.answer(json(502, "<html><body>Bad gateway " + KEY + "</body></html>"));
        e = chatFails();
        assertSafe(e);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("the model answered HTTP 502").doesNotContain("html");
    }

    @Test
    void aRefusedConnectionIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (OpenAiCompatibleChatModel closed = new OpenAiCompatibleChatModel(new Settings(
            "http://127.0.0.1:" + port + "/v1", "gpt-test", KEY, "api.key", "", Duration.ofSeconds(5), 0))) {
            for (ModelException e : List.of(
                catchThrowableOfType(ModelException.class, () -> closed.chat(ask("hi"))),
                catchThrowableOfType(ModelException.class, () -> closed.stream(ask("hi"), t -> { })))) {
                assertSafe(e);
                assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
                assertThat(e.getMessage()).contains("127.0.0.1:" + port);
            }
        }
    }

    @Test
    void malformedJsonIsABadResponseWithoutTheBody() {
        server.answer(json(200, "{\"id\":\"c\",\"choices\":[{\"message\": SECRET-BODY-TEXT"));
        ModelException e = chatFails();
        assertSafe(e);
        assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(e.getMessage()).doesNotContain("SECRET-BODY-TEXT");

        server.answer(sse(List.of("{\"id\":\"s\",\"choices\":[{\"delta\": SECRET-BODY-TEXT"), true));
        e = streamFails();
        assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(e.getMessage()).doesNotContain("SECRET-BODY-TEXT");
    }

    @Test
    void anAnswerWithoutChoicesIsABadResponse() {
        server.answer(json(200, "{\"id\":\"c\",\"model\":\"gpt-test\",\"usage\":{\"prompt_tokens\":1}}"));
        assertThat(chatFails().kind()).isEqualTo(Kind.BAD_RESPONSE);
        server.answer(json(200, "{\"id\":\"c\",\"model\":\"gpt-test\",\"choices\":[]}"));
        assertThat(chatFails().kind()).isEqualTo(Kind.BAD_RESPONSE);
        server.answer(json(200, "[1,2,3]"));
        assertThat(chatFails().kind()).isEqualTo(Kind.BAD_RESPONSE);
        // a whole JSON answer where server-sent events were asked for
        server.answer(json(200, completion("m", "not streamed", "stop", 1, 1)));
        assertThat(streamFails().kind()).isEqualTo(Kind.BAD_RESPONSE);
    }

    @Test
    void aToolCallWhoseArgumentsAreNotJsonIsABadResponse() {
        server.answer(json(200, "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":"
            + "{\"name\":\"get_weather\",\"arguments\":\"{city: Oslo\"}}]},\"finish_reason\":\"tool_calls\"}]}"));
        ModelException e = chatFails();
        assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
        assertThat(e.getMessage()).contains("get_weather").doesNotContain("city: Oslo");

        String head = "{\"id\":\"s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        server.answer(sse(List.of(
            head + "{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]}}]}",
            head + "{},\"finish_reason\":\"tool_calls\"}]}"), true));
        assertThat(streamFails().kind()).isEqualTo(Kind.BAD_RESPONSE);
    }

    @Test
    void aStreamThatEndsBeforeTheModelFinishedIsUnavailableNotAnAnswer() {
        String head = "{\"id\":\"s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        List<String> cut = List.of(head + "{\"content\":\"The answer is\"}}]}", head + "{\"content\":\" 4\"}}]}");

        // closed cleanly without the last chunk
        server.answer(sse(cut, false));
        List<String> parts = new ArrayList<>();
        ModelException e = catchThrowableOfType(ModelException.class, () -> model.stream(ask("2+2"), parts::add));
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(e.getMessage()).contains("stream ended");

        // dropped mid-body
        server.answer(ScriptedServer.dropped(cut));
        e = streamFails();
        assertSafe(e);
        assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
    }

    @Test
    void aSlowModelIsATimeoutAtTheRequestsDeadline() {
        server.answer(ScriptedServer.slow(20_000, json(200, completion("m", "late", "stop", 1, 1))));
        ChatRequest quick = new ChatRequest(List.of(ChatMessage.user("hi")), List.of(), -1, 0, 300);

        long t0 = System.nanoTime();
        ModelException e = catchThrowableOfType(ModelException.class, () -> model.chat(quick));
        long chatMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(e.getMessage()).contains("300 ms");
        assertThat(chatMillis).as("waited for the slow model").isBetween(250L, 5_000L);

        t0 = System.nanoTime();
        e = catchThrowableOfType(ModelException.class, () -> model.stream(quick, t -> { }));
        long streamMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(streamMillis).isBetween(250L, 5_000L);
    }

    @Test
    void aStreamThatStallsAfterItsFirstWordsTimesOutAndStopsFeedingTheConsumer() throws Exception {
        String head = "{\"id\":\"s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        server.answer(exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            var out = exchange.getResponseBody();
            out.write(("data: " + head + "{\"content\":\"first\"}}]}\n\n").getBytes());
            out.flush();
            try {
                release.await(20, java.util.concurrent.TimeUnit.SECONDS);
                // the rest, after the caller gave up: it must not reach the consumer
                out.write(("data: " + head + "{\"content\":\" late\"},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: [DONE]\n\n").getBytes());
                out.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } finally {
                finished.countDown();
            }
        });
        List<String> parts = new java.util.concurrent.CopyOnWriteArrayList<>();
        ModelException e = catchThrowableOfType(ModelException.class,
            () -> model.stream(new ChatRequest(List.of(ChatMessage.user("hi")), List.of(), -1, 0, 3_000), parts::add));
        assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(parts).containsExactly("first");
        release.countDown();
        finished.await(5, java.util.concurrent.TimeUnit.SECONDS);
        Thread.sleep(200);
        assertThat(parts).containsExactly("first");
    }

    @Test
    void aRequestTheProtocolCannotCarryIsABadRequestBeforeAnythingIsSent() {
        ModelException e = catchThrowableOfType(ModelException.class, () -> model.chat(new ChatRequest(
            List.of(ChatMessage.user(" ")), List.of(), -1, 0, 1_000)));
        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
        e = catchThrowableOfType(ModelException.class, () -> model.chat(new ChatRequest(List.of(ChatMessage.user("x")),
            List.of(new io.cuga.api.model.ToolSpec("broken", "", "[\"not an object\"]")), -1, 0, 1_000)));
        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
        assertThat(e.getMessage()).contains("broken");
    }
}
