package io.cuga.e2e;

import static io.cuga.e2e.ConfigTest.cuga;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .cfg files as a checked layer, and factory configurations set by key: a .cfg with an unknown key refuses
 * the start naming file and line (lenient: a warning); a broken .cfg edited while the server runs is refused in
 * the log and the component keeps its values; an OpenAPI service configured only in cuga.yaml
 * ({@code cuga.tool.openapi~yamlshop.*}) brings its tools, shows in ./cuga config explain, and goes with its keys.
 */
class ConfigCfgTest {

    private static final String SPEC = """
        {"openapi": "3.0.3", "info": {"title": "Shop", "version": "1"},
         "servers": [{"url": "https://shop.invalid/api"}],
         "paths": {"/items/{id}": {"get": {"operationId": "getItem", "summary": "Gets one item.",
           "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
           "responses": {"200": {"description": "ok"}}}}}}
        """;

    private static final String YAML = """
        cuga:
          tool:
            openapi~yamlshop:
              name: yamlshop
              spec: shop.json
        """;

    @TempDir
    Path tmp;

    private static Map<String, String> env() {
        return Map.of("AGENT_TOKEN", CugaServer.AGENT_TOKEN, "CUGA_ADMIN_TOKEN", CugaServer.ADMIN_TOKEN);
    }

    @Test
    void aCfgWithAnUnknownKeyRefusesTheStartWithFileAndLineAndLenientWarns() throws Exception {
        Path config = tmp.resolve("config");
        CugaServer.copyTree(CugaServer.root().resolve("runtime-config"), config);
        Path cfg = config.resolve("cuga.dispatcher.cfg");
        String original = Files.readString(cfg, StandardCharsets.UTF_8);
        Files.writeString(cfg, original + (original.endsWith("\n") ? "" : "\n") + "pool.thread = 9\n",
            StandardCharsets.UTF_8);
        int line = (int) Files.readAllLines(cfg, StandardCharsets.UTF_8).size();
        String problem = "cfg " + cfg + ":" + line + ": cuga.dispatcher.pool.thread: unknown key: PID cuga.dispatcher"
            + " has no property 'pool.thread'";

        List<String> args = new ArrayList<>(List.of("start", "--port", String.valueOf(CugaServer.freePort()),
            "--data", tmp.resolve("data").toString(), "--deploy", tmp.resolve("deploy").toString(), "--config",
            config.toString()));
        ConfigTest.Run run = cuga(tmp, env(), args.toArray(String[]::new));
        assertThat(run.exit()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("cuga: invalid configuration: " + problem + "\n")
            .doesNotContain("Exception", "\tat ", "ready in");

        Run explain = explain(tmp, "cuga.dispatcher.pool.threads", "--config", config.toString());
        assertThat(explain.exit).as("explain reports the problem too").isEqualTo(1);
        assertThat(explain.output).contains("cuga config: problem: " + problem);

        try (CugaServer server = CugaServer.startWith(List.of("--lenient"), env(), c -> Files.writeString(
            c.resolve("cuga.dispatcher.cfg"), original + "\npool.thread = 9\n", StandardCharsets.UTF_8))) {
            assertThat(server.logText()).contains("cuga: warning: configuration: cfg "
                + server.config.resolve("cuga.dispatcher.cfg") + ":").contains("cuga.dispatcher.pool.thread: unknown"
                + " key").contains("(FileInstall applies it as it is)");
        }
    }

    @Test
    void aFactoryConfigurationFromYamlTakesEffectAndABrokenCfgEditIsRefusedWhileRunning() throws Exception {
        try (CugaServer server = CugaServer.startWith(List.of(), env(), config -> {
            Files.writeString(config.resolve("shop.json"), SPEC, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.yaml"), YAML, StandardCharsets.UTF_8);
            Files.writeString(config.resolve("cuga.allowlist.cfg"), "tools = calculator, yamlshop_*\n"
                + "bundles = cuga.tool.*\n", StandardCharsets.UTF_8);
        })) {
            Path yaml = server.config.resolve("cuga.yaml");
            assertThat(CugaServer.poll(Duration.ofSeconds(20), () -> server.toolNames().contains("yamlshop_getItem")))
                .as(server.toolNames() + "\n" + server.logTail()).isTrue();

            Run spec = explain(server.work, "cuga.tool.openapi~yamlshop.spec", "--config", server.config.toString());
            assertThat(spec.exit).as(spec.output).isZero();
            assertThat(spec.output).contains("cuga.tool.openapi~yamlshop.spec = shop.json  (yaml " + yaml + ":5)");
            Run all = explain(server.work, "--config", server.config.toString());
            assertThat(all.output).contains("cuga.tool.openapi~yamlshop.name = yamlshop  (yaml " + yaml + ":4)",
                "cuga.tool.openapi~yamlshop.read.timeout.millis = 30000  (default)");

            // a broken .cfg edit while running: refused with file:line, the allowlist keeps its previous values
            Path allowlist = server.config.resolve("cuga.allowlist.cfg");
            Files.writeString(allowlist, "tools = calculator\nbundles = cuga.tool.*\ntolls = x\n",
                StandardCharsets.UTF_8);
            // the problem and the refusal are two log lines: wait for the second, which is written after the first
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.logText().contains(
                "Configuration file " + allowlist + " refused (strict)"))).as(server.logTail()).isTrue();
            assertThat(server.logText()).contains("cfg " + allowlist + ":3: cuga.allowlist.tolls: unknown key: PID"
                + " cuga.allowlist has no property 'tolls'");
            Thread.sleep(1000); // FileInstall has applied the file (the log line above): nothing changes
            assertThat(server.toolNames()).contains("calculator", "yamlshop_getItem");
            // fixed: applied
            Files.writeString(allowlist, "tools = calculator\nbundles = cuga.tool.*\n", StandardCharsets.UTF_8);
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.toolNames().equals(List.of("calculator"))))
                .as(server.toolNames().toString()).isTrue();

            // the factory configuration goes with its keys
            Files.writeString(allowlist, "tools = calculator, yamlshop_*\nbundles = cuga.tool.*\n",
                StandardCharsets.UTF_8);
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.toolNames().contains("yamlshop_getItem")))
                .isTrue();
            Files.writeString(yaml, "# no services\n", StandardCharsets.UTF_8);
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> !server.toolNames().contains("yamlshop_getItem")))
                .as(server.logTail()).isTrue();
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run explain(Path cwd, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("config", "explain"));
        all.addAll(List.of(args));
        ConfigTest.Run run = cuga(cwd, env(), all.toArray(String[]::new));
        return new Run(run.exit(), run.output());
    }
}
