package io.cuga.tool.openapi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.DiagnosticSource;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.Tool;
import io.cuga.guardrail.egress.internal.EgressFixture;

/**
 * A service whose spec URL does not answer when the instance activates: it is tried again with backoff and its
 * tools appear, in a real framework, once the service answers; the configuration is never touched.
 */
class SpecRetryTest {

    @TempDir
    Path dir;

    private Framework framework;
    private BundleContext context;
    private ItemsServer server;
    private OpenApiService service;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("cuga.config", dir.toString());
        config.put("cuga.data", dir.toString());
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
        context = framework.getBundleContext();
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.deactivate();
        }
        if (server != null) {
            server.close();
        }
        framework.stop();
        framework.waitForStop(10_000);
    }

    private Collection<ServiceReference<Tool>> tools() throws Exception {
        return context.getServiceReferences(Tool.class, "(" + OpenApiService.SERVICE_PROPERTY + "=items)");
    }

    @Test
    void aSpecUrlThatAnswersOnlyLaterIsLoadedThen() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EgressGuard loopback = EgressFixture.guard("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
        service = new OpenApiService(context, Configs.of("name", "items", "spec", "http://127.0.0.1:" + port
            + "/openapi.json", "spec_retry_initial_millis", 50L, "spec_retry_max_millis", 200L), loopback);
        assertThat(tools()).as("nothing answers yet: the activation succeeds without tools").isEmpty();
        Thread.sleep(500); // several failed attempts
        assertThat(tools()).isEmpty();
        List<Diagnostic> waiting = diagnostics();
        assertThat(waiting).hasSize(1);
        assertThat(waiting.get(0).kind()).isEqualTo("openapi_not_loaded");
        assertThat(waiting.get(0).subject()).isEqualTo("openapi service 'items'");
        assertThat(waiting.get(0).message()).contains("not loaded yet (attempt ").contains("trying again");

        server = new ItemsServer(port);
        assertThat(poll(() -> {
            try {
                return tools().size() == 8;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).as("the tools appear once the spec URL answers").isTrue();
        ServiceReference<Tool> getItem = context.getServiceReferences(Tool.class, "(" + Tool.NAME
            + "=items_getItem)").iterator().next();
        Tool tool = context.getService(getItem);
        assertThat(tool.invoke(new TestCall("items_getItem", Map.of("id", "a1")))).asInstanceOf(
            org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("id", "a1");
        assertThat(server.requests.stream().filter(r -> r.equals("GET /openapi.json")).count())
            .as("no more fetches once loaded").isEqualTo(1);
        assertThat(diagnostics()).as("loaded, with every operation").isEmpty();

        service.deactivate();
        service = null;
        assertThat(tools()).isEmpty();
        assertThat(context.getServiceReferences(DiagnosticSource.class, null)).as("gone with the instance").isEmpty();
    }

    @Test
    void aSpecFileThatCannotBeReadLeavesTheServiceWithoutToolsAndSaysWhy() throws Exception {
        EgressGuard loopback = EgressFixture.guard("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
        service = new OpenApiService(context, Configs.of("name", "items", "spec", "missing.json"), loopback);
        assertThat(tools()).isEmpty();
        List<Diagnostic> why = diagnostics();
        assertThat(why).hasSize(1);
        assertThat(why.get(0).kind()).isEqualTo("openapi_unusable");
        assertThat(why.get(0).message()).contains("missing.json").contains("no tools until");
    }

    /** @return what the instance's DiagnosticSource service says now */
    private List<Diagnostic> diagnostics() throws Exception {
        Collection<ServiceReference<DiagnosticSource>> refs = context.getServiceReferences(DiagnosticSource.class,
            "(" + OpenApiService.SERVICE_PROPERTY + "=items)");
        assertThat(refs).hasSize(1);
        ServiceReference<DiagnosticSource> ref = refs.iterator().next();
        try {
            return context.getService(ref).diagnostics();
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    void deactivationStopsTheRetries() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EgressGuard loopback = EgressFixture.guard("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
        service = new OpenApiService(context, Configs.of("name", "items", "spec", "http://127.0.0.1:" + port
            + "/openapi.json", "spec_retry_initial_millis", 50L, "spec_retry_max_millis", 100L), loopback);
        service.deactivate();
        service = null;
        server = new ItemsServer(port);
        Thread.sleep(500);
        assertThat(server.requests).as("a deactivated instance fetches nothing").isEmpty();
        assertThat(tools()).isEmpty();
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(25);
        }
        return condition.getAsBoolean();
    }
}
