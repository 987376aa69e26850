package io.cuga.http.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.servlet.Servlet;

/**
 * A real Jetty 12 (ee10, Servlet 6) on a random loopback port with servlets mapped as the whiteboard maps them,
 * and an HTTP client that speaks to it as users do.
 */
final class JettyHarness implements AutoCloseable {

    /** The patterns ApiServlet declares with @HttpWhiteboardServletPattern. */
    static final String[] API_PATTERNS = {"/health", "/ready", "/api/v1/*", "/"};

    private final Server server;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    JettyHarness(Map<Servlet, String[]> servlets) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        servlets.forEach((servlet, patterns) -> {
            ServletHolder holder = new ServletHolder(servlet);
            for (String pattern : patterns) {
                context.addServlet(holder, pattern);
            }
        });
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    static JettyHarness api(ApiServlet servlet) throws Exception {
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(servlet, API_PATTERNS);
        return new JettyHarness(servlets);
    }

    int port() {
        return port;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    }

    Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers().map(), response.body());
    }

    Reply get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder builder = request(path).GET();
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return send(builder.build());
    }

    Reply postJson(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder builder = request(path).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return send(builder.build());
    }

    /** Sends a body without Content-Length (chunked transfer encoding). */
    Reply postChunked(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder builder = request(path).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return send(builder.build());
    }

    /** Sends raw bytes on a socket and returns the raw response (for requests the HTTP client refuses to make). */
    String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** A response. */
    record Reply(int status, Map<String, java.util.List<String>> headers, byte[] body) {

        String header(String name) {
            for (Map.Entry<String, java.util.List<String>> e : headers.entrySet()) {
                if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return Json.MAPPER.readTree(body);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }
}
