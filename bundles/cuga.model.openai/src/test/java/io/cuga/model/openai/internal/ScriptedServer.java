package io.cuga.model.openai.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A chat-completions server on 127.0.0.1 that records what the client sends and answers as scripted: JSON, SSE
 * streams (whole, cut short, or dropped mid-body), errors, or nothing for a while.
 */
final class ScriptedServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One answer to one request. */
    @FunctionalInterface
    interface Reply {
        void answer(HttpExchange exchange) throws IOException;
    }

    /** A request as received. */
    record Received(String method, String path, String authorization, String organization, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile Reply reply = json(500, "{}");

    ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("OpenAI-Organization"), body));
                reply.answer(exchange);
            } catch (IOException | RuntimeException e) {
                // the client went away (deadline tests): nothing to answer
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** @return the base URL, ending in /v1 */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers every following request with {@code next}. */
    ScriptedServer answer(Reply next) {
        this.reply = next;
        return this;
    }

    /** @return the next request received, waiting up to 5 s */
    Received request() throws InterruptedException {
        Received r = received.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request reached the server");
        }
        return r;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    static Reply json(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** An SSE stream: each chunk as one {@code data:} event, then {@code data: [DONE]} when {@code done}. */
    static Reply sse(List<String> chunks, boolean done) {
        return exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String chunk : chunks) {
                out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            if (done) {
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            out.close();
        };
    }

    /** Promises more bytes than it sends, then drops the connection mid-body. */
    static Reply dropped(List<String> chunks) {
        return exchange -> {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append("data: ").append(c).append("\n\n"));
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, bytes.length + 10_000);
            OutputStream out = exchange.getResponseBody();
            out.write(bytes);
            out.flush();
            throw new IOException("dropping the connection on purpose");
        };
    }

    /** Waits {@code millis} before answering with {@code then} (a model that is too slow). */
    static Reply slow(long millis, Reply then) {
        return exchange -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            then.answer(exchange);
        };
    }

    /** A whole chat completion with a text answer. */
    static String completion(String model, String text, String finish, int in, int out) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model
            + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + (text == null ? "null" : quote(text)) + "},\"finish_reason\":\"" + finish + "\"}],"
            + "\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out + ",\"total_tokens\":"
            + (in + out) + "}}";
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
