package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Nothing acknowledged is lost: the server is killed with SIGKILL in the middle of a load of calls, started again
 * on the same data directory, and every call that got an answer has its attempt and its outcome in the audit
 * trail, whose hash chain is intact.
 */
class DurabilityTest {

    @Test
    void aSigkillUnderLoadLosesNoCallWhoseResponseWasSent() throws Exception {
        CugaServer server = CugaServer.start();
        CugaServer restarted = null;
        ExecutorService load = Executors.newFixedThreadPool(8);
        try {
            ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                load.execute(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = server.invoke("calculator", AGENT_TOKEN,
                                Map.of("expression", thread + " + " + (i++)));
                            if (r.statusCode() == 200) {
                                acknowledged.add(json(r).path("callId").asText());
                            }
                        } catch (RuntimeException e) {
                            // the server died under this call: it was never acknowledged
                        }
                    }
                });
            }
            assertThat(CugaServer.poll(java.time.Duration.ofSeconds(30), () -> acknowledged.size() >= 200))
                .as("the load got going: %s calls answered", acknowledged.size()).isTrue();
            server.kill();
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            List<String> ids = new ArrayList<>(acknowledged);

            restarted = CugaServer.restart(server);
            List<String> missing = new ArrayList<>();
            for (String id : ids) {
                JsonNode records = json(restarted.get("/api/v1/audit?call=" + id, ADMIN_TOKEN)).path("records");
                List<String> kinds = new ArrayList<>();
                records.forEach(r -> kinds.add(r.path("kind").asText() + ":" + r.path("outcome").asText()));
                if (!kinds.contains("call.attempt:") || !kinds.contains("call.outcome:OK")) {
                    missing.add(id + " " + kinds);
                }
            }
            assertThat(missing).as("acknowledged calls without attempt and outcome, of %d", ids.size()).isEmpty();
            JsonNode verify = json(restarted.get("/api/v1/audit/verify", ADMIN_TOKEN));
            assertThat(verify.path("intact").asBoolean()).as("%s", verify).isTrue();
            assertThat(verify.path("records").asLong()).isGreaterThanOrEqualTo(2L * ids.size());
        } finally {
            load.shutdownNow();
            if (restarted != null) {
                restarted.close();
            } else {
                server.close();
            }
        }
    }
}
