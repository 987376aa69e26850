package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/** Start, list, call, stop: on every JDK the distribution supports. */
class SmokeTest {

    static Stream<Path> jdks() {
        List<Path> jdks = new ArrayList<>();
        jdks.add(Paths.get(System.getProperty("java.home")));
        Path jdk25 = Paths.get(System.getProperty("cuga.e2e.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        if (Files.isExecutable(jdk25.resolve("bin/java"))) {
            jdks.add(jdk25);
        } else if (Boolean.getBoolean("cuga.e2e.require.jdk25")) {
            throw new AssertionError("JDK 25 required for the smoke test but not found at " + jdk25);
        }
        return jdks.stream();
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("jdks")
    void startsListsCallsAndStopsCleanly(Path javaHome) {
        CugaServer server = CugaServer.start(javaHome, Map.of("AGENT_TOKEN", AGENT_TOKEN,
            "CUGA_ADMIN_TOKEN", CugaServer.ADMIN_TOKEN));
        try {
            assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
            assertThat(json(server.get("/ready", null)).path("status").asText()).isEqualTo("READY");
            assertThat(server.toolNames()).contains("calculator");

            var response = server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "2*(3+4)"));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode result = json(response).path("result");
            assertThat(result.path("value").asLong()).isEqualTo(14);

            String log = server.logText();
            assertThat(log).contains("/system/console").contains("/metrics").contains("/api/v1");
            // every shipped bundle resolves: a bundle waiting only for a service (the PostgreSQL memory backend
            // while the store runs on SQLite) is not a resolution problem and must not be reported as one
            assertThat(log).doesNotContain("cannot resolve").doesNotContain("\tat ");
            assertThat(server.stop()).as("exit code after SIGTERM\n" + server.logTail()).isZero();
        } finally {
            server.close();
        }
    }
}
