package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.poll;
import static io.cuga.e2e.ObservabilityTest.sample;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deliberately slow exporter, installed into the running server as a third-party bundle, does not slow tool
 * calls: it loses its own events (counted in {@code cuga_exporter_dropped_events_total}) and nobody else's.
 */
class SlowExporterTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);
    static final int CALLS = 100;

    CugaServer server;

    @BeforeEach
    void start() {
        server = CugaServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** @return milliseconds for {@value #CALLS} guarded calls one after the other */
    long timeCalls() {
        long start = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            HttpResponse<String> r = server.invoke("calculator", AGENT_TOKEN, Map.of("expression", i + "+1"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    String metrics() {
        return server.get("/metrics", null).body();
    }

    @Test
    void aSlowExporterLosesOnlyItsOwnEventsAndCallsStayFast() throws Exception {
        timeCalls(); // warm up
        long baseline = timeCalls();

        // small buffers for exporters that connect from now on, so the slow one overflows quickly
        Files.writeString(server.config.resolve("cuga.events.cfg"), "queue.size = 20\n");
        assertThat(poll(GENEROUS, () -> consoleConfiguration().contains("queue.size = 20")))
            .as("the new cuga.events configuration in ConfigAdmin").isTrue();
        // ConfigAdmin has it; DS hands it to the component a moment later, which says so
        assertThat(poll(GENEROUS, () -> server.logText().contains("cuga.events: queue.size is now 20")))
            .as(server.logTail()).isTrue();

        Jars.drop(server.deploy, "probe-slow.jar", EventProbes.slowSink(server.work.resolve("probes")));
        assertThat(poll(GENEROUS, () -> sample(metrics(), "cuga_exporter_dropped_events_total", "sink",
            EventProbes.SLOW_SINK) != null)).as("the slow exporter connected\n" + server.logTail()).isTrue();
        assertThat(server.logText()).contains("Event exporter '" + EventProbes.SLOW_SINK + "' connected (buffer 20"
            + " events)");

        long withSlowSink = timeCalls();
        // were the calls waiting for the exporter, they would take CALLS × 2 events × SLOW_MILLIS = 20 s
        long blockingWouldTake = (long) CALLS * 2 * EventProbes.SLOW_MILLIS;
        assertThat(withSlowSink).as("%d calls took %d ms with the slow exporter, %d ms without", CALLS,
            withSlowSink, baseline).isLessThan(blockingWouldTake / 2);

        assertThat(poll(GENEROUS, () -> {
            Double dropped = sample(metrics(), "cuga_exporter_dropped_events_total", "sink", EventProbes.SLOW_SINK);
            return dropped != null && dropped > 0;
        })).as(metrics()).isTrue();
        String after = metrics();
        // its buffer held 20 (the publisher reports each exporter's capacity), the rest of its events are lost
        assertThat(ObservabilityTest.read(server.data.resolve("events/events.jsonl")))
            .contains("\"sink\":\"" + EventProbes.SLOW_SINK + "\",\"state\":\"active\"")
            .containsPattern("\"sink\":\"" + EventProbes.SLOW_SINK + "\"[^}]*\"capacity\":20");
        for (String sink : new String[] {"jsonl", "prometheus"}) {
            assertThat(sample(after, "cuga_exporter_dropped_events_total", "sink", sink)).as(sink).isEqualTo(0.0);
        }
        // the drop is logged after the metric is published: wait for it too
        assertThat(poll(GENEROUS, () -> server.logText().contains("Event exporter '" + EventProbes.SLOW_SINK
            + "' dropped"))).as(server.logTail()).isTrue();

        // removing it is clean, and calls go on
        Files.delete(server.deploy.resolve("probe-slow.jar"));
        assertThat(poll(GENEROUS, () -> server.logText().contains("Event exporter '" + EventProbes.SLOW_SINK
            + "' disconnected"))).isTrue();
        assertThat(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1")).statusCode()).isEqualTo(200);
    }

    /** The configuration status page of the Web Console, with the generated console login. */
    private String consoleConfiguration() {
        try {
            Properties login = new Properties();
            login.load(Files.newBufferedReader(server.data.resolve("secrets/console.credentials"),
                StandardCharsets.UTF_8));
            String basic = Base64.getEncoder().encodeToString((login.getProperty("user") + ":"
                + login.getProperty("password")).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> response = server.http.send(HttpRequest.newBuilder(
                server.uri("/system/console/status-Configurations.txt")).header("Authorization", "Basic " + basic)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
