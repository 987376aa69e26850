package io.cuga.exporter.otel.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/** An OTLP/HTTP protobuf receiver on loopback: decodes every POST to /v1/traces and keeps the spans. */
final class OtlpReceiver implements AutoCloseable {

    final HttpServer server;
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
    final List<Span> spans = new CopyOnWriteArrayList<>();
    final List<Resource> resources = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** When set, each request waits for it before it is answered (a stuck collector). */
    volatile CountDownLatch hold;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
                authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                for (ResourceSpans rs : request.getResourceSpansList()) {
                    resources.add(rs.getResource());
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        spans.addAll(ss.getSpansList());
                    }
                }
                CountDownLatch wait = hold;
                if (wait != null) {
                    wait.await(30, TimeUnit.SECONDS);
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(503, -1);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(threads);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        CountDownLatch wait = hold;
        if (wait != null) {
            wait.countDown();
        }
        server.stop(0);
        threads.shutdownNow();
    }
}
