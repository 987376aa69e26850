package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** Tool bundles come and go through deploy/ while the server runs. */
class HotDeployTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);
    static final Path SAMPLE = Paths.get(System.getProperty("cuga.sample.jar"));

    CugaServer server;

    @BeforeEach
    void start() {
        server = CugaServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> echo(String message) {
        return server.invoke("sample_echo", AGENT_TOKEN, Map.of("message", message));
    }

    @Test
    void droppedBundleBecomesCallableThenUpdatedThenGone() throws Exception {
        assertThat(server.toolNames()).doesNotContain("sample_echo");
        assertThat(echo("x").statusCode()).isEqualTo(404);

        Jars.drop(server.deploy, "sample.jar", Jars.read(SAMPLE));
        assertThat(poll(GENEROUS, () -> echo("hi").statusCode() == 200)).as(server.logTail()).isTrue();
        JsonNode first = json(echo("hi")).path("result");
        assertThat(first.path("echo").asText()).isEqualTo("hi");
        assertThat(first.path("flavour").asText()).isEqualTo("original");
        assertThat(server.toolNames()).contains("sample_echo", "calculator");

        // a new version of the same bundle replaces the old one in place
        Jars.drop(server.deploy, "sample.jar", Jars.withHeaders(SAMPLE,
            Map.of("Bundle-Version", "1.0.1", "Cuga-Sample-Flavour", "second")));
        assertThat(poll(GENEROUS, () -> {
            HttpResponse<String> r = echo("again");
            return r.statusCode() == 200 && json(r).path("result").path("flavour").asText().equals("second");
        })).as(server.logTail()).isTrue();
        assertThat(json(echo("v")).path("result").path("version").asText()).isEqualTo("1.0.1");

        // pulling the jar removes the tool
        Files.delete(server.deploy.resolve("sample.jar"));
        assertThat(poll(GENEROUS, () -> echo("gone").statusCode() == 404)).as(server.logTail()).isTrue();
        assertThat(server.toolNames()).doesNotContain("sample_echo").contains("calculator");
    }

    @Test
    void bundleThatCannotResolveIsReportedAndTheServerKeepsServing() throws Exception {
        Jars.drop(server.deploy, "broken.jar", Jars.manifestOnly(Map.of(
            "Bundle-SymbolicName", "e2e.broken.tool", "Bundle-Version", "0.1.0",
            "Import-Package", "io.cuga.api.tool;version=\"[2.0,3)\"")));
        assertThat(poll(GENEROUS, () -> server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN).body()
            .contains("e2e.broken.tool"))).as(server.logTail()).isTrue();
        String diagnostics = server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN).body();
        assertThat(diagnostics).contains("bundle_unresolved").contains("io.cuga.api.tool")
            .containsPattern("this server has 1\\.[0-9]+\\.[0-9]+ from cuga\\.api");
        // FileInstall logs the bundle after installing it: the diagnostics may see it first
        assertThat(poll(GENEROUS, () -> server.logText().contains("e2e.broken.tool"))).as(server.logTail()).isTrue();

        HttpResponse<String> still = server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1+1"));
        assertThat(still.statusCode()).isEqualTo(200);
        assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void editingTheAllowlistHidesAndShowsToolsWithoutRestart() throws Exception {
        Path cfg = server.config.resolve("cuga.allowlist.cfg");
        String original = Files.readString(cfg, StandardCharsets.UTF_8);
        Files.writeString(cfg, "tools = sample_*\nbundles = cuga.tool.*\n", StandardCharsets.UTF_8);
        assertThat(poll(GENEROUS, () -> !server.toolNames().contains("calculator"))).as(server.logTail()).isTrue();
        assertThat(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1")).statusCode()).isEqualTo(404);
        String why = server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN).body();
        assertThat(why).contains("calculator").contains("HIDDEN");

        Files.writeString(cfg, original, StandardCharsets.UTF_8);
        assertThat(poll(GENEROUS, () -> server.toolNames().contains("calculator"))).as(server.logTail()).isTrue();
    }

    @Test
    void callInFlightWhenItsBundleIsPulledEndsWith503() throws Exception {
        Jars.drop(server.deploy, "sample.jar", Jars.read(SAMPLE));
        assertThat(poll(GENEROUS, () -> echo("up").statusCode() == 200)).as(server.logTail()).isTrue();

        long started = echoStarts();
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> server.invoke("sample_echo",
            AGENT_TOKEN, Map.of("message", "slow", "delay_millis", 20_000)));
        // the jar goes once the call has passed the guardrails and reached the tool (its tool.call.start event)
        assertThat(poll(GENEROUS, () -> echoStarts() > started)).as(server.logTail()).isTrue();
        Files.delete(server.deploy.resolve("sample.jar"));
        HttpResponse<String> response = pending.get(15, java.util.concurrent.TimeUnit.SECONDS);
        JsonNode error = json(response).path("error");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(error.path("code").asText()).isEqualTo("tool_unavailable");
        assertThat(response.body()).doesNotContain("Exception");
    }

    /** @return how many sample_echo calls have reached the tool so far, by the event log */
    private long echoStarts() {
        return ObservabilityTest.read(server.data.resolve("events/events.jsonl")).lines()
            .filter(l -> l.contains("\"tool.call.start\"") && l.contains("\"tool\":\"sample_echo\"")).count();
    }
}
