package io.cuga.tool.openapi.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small real HTTP service on 127.0.0.1 with its OpenAPI document ({@code items.json}) at
 * {@code /openapi.json}; it records every request line it receives.
 */
final class ItemsServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();

    ItemsServer() throws IOException {
        this(0);
    }

    /** @param port the port to listen on, 0 for any free one */
    ItemsServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        requests.add(method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery));
        byte[] in;
        try (InputStream body = exchange.getRequestBody()) {
            in = body.readAllBytes();
        }
        ObjectNode out = JSON.createObjectNode();
        if (rawPath.equals("/openapi.json")) {
            try (InputStream spec = ItemsServer.class.getResourceAsStream("/items.json")) {
                send(exchange, 200, "application/json", spec.readAllBytes());
            }
            return;
        }
        if (rawPath.equals("/api/items") && method.equals("GET")) {
            out.put("query", rawQuery);
            send(exchange, 200, "application/json", JSON.writeValueAsBytes(out));
        } else if (rawPath.equals("/api/items") && method.equals("POST")) {
            out.set("received", JSON.readTree(in));
            out.put("contentType", exchange.getRequestHeaders().getFirst("Content-Type"));
            out.put("id", "i-1");
            send(exchange, 201, "application/json", JSON.writeValueAsBytes(out));
        } else if (rawPath.startsWith("/api/items/") && method.equals("GET")) {
            String id = exchange.getRequestURI().getPath().substring("/api/items/".length());
            if (id.equals("missing")) {
                send(exchange, 404, "application/json", "{\"message\":\"no such item\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            out.put("id", id);
            out.put("rawPath", rawPath);
            out.put("requestId", exchange.getRequestHeaders().getFirst("X-Request-Id"));
            send(exchange, 200, "application/json; charset=utf-8", JSON.writeValueAsBytes(out));
        } else if (rawPath.startsWith("/api/items/") && method.equals("DELETE")) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        } else if (rawPath.equals("/api/whoami")) {
            out.put("authorization", exchange.getRequestHeaders().getFirst("Authorization"));
            out.put("apiKey", exchange.getRequestHeaders().getFirst("X-API-Key"));
            send(exchange, 200, "application/json", JSON.writeValueAsBytes(out));
        } else if (rawPath.equals("/api/broken")) {
            String echoed = "internal error; request had Authorization: "
                + exchange.getRequestHeaders().getFirst("Authorization");
            send(exchange, 500, "text/plain", echoed.getBytes(StandardCharsets.UTF_8));
        } else if (rawPath.equals("/api/big")) {
            send(exchange, 200, "application/json", ("[\"" + "x".repeat(5000) + "\"]").getBytes(StandardCharsets.UTF_8));
        } else if (rawPath.equals("/api/greeting")) {
            send(exchange, 200, "text/plain; charset=utf-8", "hello".getBytes(StandardCharsets.UTF_8));
        } else {
            send(exchange, 404, "text/plain", "not here".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
