package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A store that cannot be opened at start (its folder cannot be created: here a regular file stands where a
 * folder must be, which fails even for root) is a clear one-line error in the log and in /ready, never a stack
 * trace; the server stays up, refuses calls with 503, and nothing runs unaudited.
 */
class StoreStartupTest {

    @Test
    void anUnopenableStoreIsAClearErrorAndRefusesCalls() throws Exception {
        CugaServer server = CugaServer.startUnready(config -> {
            Files.writeString(config.getParent().resolve("not-a-folder"), "x", StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.store.cfg"),
                "sqlite.file = " + config.getParent().resolve("not-a-folder/cuga.db") + "\n", StandardCharsets.UTF_8);
        });
        try {
            JsonNode[] ready = new JsonNode[1];
            assertThat(CugaServer.poll(Duration.ofSeconds(60), () -> {
                var r = server.get("/ready", null);
                ready[0] = json(r);
                return r.statusCode() == 503 && ready[0].toString().contains("\"name\":\"store\"");
            })).as("/ready names the store: %s", ready[0]).isTrue();
            JsonNode store = null;
            for (JsonNode check : ready[0].path("checks")) {
                if (check.path("name").asText().equals("store")) {
                    store = check;
                }
            }
            assertThat(store).isNotNull();
            assertThat(store.path("ready").asBoolean()).isFalse();
            assertThat(store.path("detail").asText()).contains("not-a-folder").contains("cannot open");

            var refused = server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "1+1"));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(json(refused).path("error").path("code").asText()).isEqualTo("store_unavailable");
            assertThat(refused.body()).doesNotContain("Exception").doesNotContain("\tat ");

            String log = server.logText();
            assertThat(log).contains("Store unavailable").doesNotContain("\tat ");
        } finally {
            server.close();
        }
    }
}
