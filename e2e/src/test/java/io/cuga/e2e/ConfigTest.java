package io.cuga.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layered configuration as an operator meets it: cuga.yaml overridden by the environment and by --set, seen in
 * the API and in ./cuga config explain; an edit of cuga.yaml reaching the allowlist without a restart; an
 * unknown key and a service mode without AGENT_TOKEN refusing to start with one clear line each.
 */
class ConfigTest {

    private static final String YAML = """
        # tools: the environment and --set override this; bundles: edited while the server runs
        cuga:
          allowlist:
            tools: [sample_*]
            bundles: ["cuga.tool.*"]
          dispatcher:
            default.timeout.millis: 1111
        """;

    @TempDir
    Path tmp;

    private static Map<String, String> env(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("AGENT_TOKEN", CugaServer.AGENT_TOKEN, "CUGA_ADMIN_TOKEN",
            CugaServer.ADMIN_TOKEN));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void yamlIsOverriddenByEnvironmentAndCommandLineAndAnEditReachesTheAllowlistWithoutRestart() throws Exception {
        Map<String, String> env = env("CUGA__ALLOWLIST__TOOLS", "http_*",
            "CUGA__DISPATCHER__DEFAULT__TIMEOUT__MILLIS", "2222");
        try (CugaServer server = CugaServer.startWith(List.of("--set", "cuga.allowlist.tools=calculator"), env,
            config -> Files.writeString(config.resolve("cuga.yaml"), YAML))) {
            Path yaml = server.config.resolve("cuga.yaml");
            // --set beats the environment (http_*) and cuga.yaml (sample_*): only the calculator is visible
            assertThat(server.toolNames()).containsExactly("calculator");

            Run tools = cuga(server.work, env, "config", "explain", "cuga.allowlist.tools", "--config",
                server.config.toString(), "--set", "cuga.allowlist.tools=calculator");
            assertThat(tools.exit).as(tools.output).isZero();
            assertThat(tools.output).contains(
                "cuga.allowlist.tools = calculator  (command line --set cuga.allowlist.tools)",
                "  overrides http_*  (environment CUGA__ALLOWLIST__TOOLS)",
                "  overrides [sample_*]  (yaml " + yaml + ":4)",
                "  overrides calculator, sample_*, http_*, model_*  (cfg " + server.config.resolve("cuga.allowlist.cfg"));
            Run timeout = cuga(server.work, env, "config", "explain", "cuga.dispatcher.default.timeout.millis",
                "--config", server.config.toString());
            assertThat(timeout.output).contains(
                "cuga.dispatcher.default.timeout.millis = 2222  (environment CUGA__DISPATCHER__DEFAULT__TIMEOUT__MILLIS)",
                "  overrides 1111  (yaml " + yaml + ":7)", "  overrides 30000  (default)");

            // an edit of cuga.yaml while the server runs: the allowlist's bundles no longer match the calculator
            Files.writeString(yaml, YAML.replace("\"cuga.tool.*\"", "\"nothing.*\""));
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.toolNames().isEmpty()))
                .as("the calculator disappears without a restart").isTrue();
            Files.writeString(yaml, YAML);
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.toolNames().equals(List.of("calculator"))))
                .as("and comes back").isTrue();

            // an edit with an unknown key is refused while running; the previous values stay
            Files.writeString(yaml, YAML + "  allowlist.tolls: [x]\n");
            assertThat(CugaServer.poll(Duration.ofSeconds(15), () -> server.logText().contains(
                "yaml " + yaml + ":8: cuga.allowlist.tolls: unknown key"))).as(server.logTail()).isTrue();
            assertThat(server.toolNames()).containsExactly("calculator");
        }
    }

    @Test
    void anUnknownKeyOrAWrongTypeRefusesToStartNamingKeyAndSource() throws Exception {
        Path config = copyConfig();
        Files.writeString(config.resolve("cuga.yaml"), "cuga:\n  dispatcher:\n    default.timeout.milis: 5\n");
        Run run = start(config, env("CUGA__DISPATCHER__POOL__THREADS", "many"));
        assertThat(run.exit).as(run.output).isEqualTo(2);
        assertThat(run.output).contains("cuga: invalid configuration: yaml " + config.resolve("cuga.yaml")
            + ":3: cuga.dispatcher.default.timeout.milis: unknown key: PID cuga.dispatcher has no property"
            + " 'default.timeout.milis'\n");
        assertThat(run.output).contains("cuga: invalid configuration: environment CUGA__DISPATCHER__POOL__THREADS:"
            + " cuga.dispatcher.pool.threads: expects a whole number (Integer), not 'many'\n");
        assertThat(run.output).doesNotContain("Exception", "\tat ", "ready in");
    }

    @Test
    void serviceModeWithoutAgentTokenRefusesToStart() throws Exception {
        Path config = copyConfig();
        Map<String, String> env = env();
        env.remove("AGENT_TOKEN");
        Run run = start(config, env, "--mode", "service");
        assertThat(run.exit).as(run.output).isEqualTo(2);
        assertThat(run.output).contains("cuga: not starting: mode service needs AGENT_TOKEN in the environment")
            .contains("a budget ceiling in " + config.resolve("policies/default.yaml"))
            .doesNotContain("Exception", "ready in");
    }

    private Path copyConfig() throws IOException {
        Path config = tmp.resolve("config");
        CugaServer.copyTree(CugaServer.root().resolve("runtime-config"), config);
        return config;
    }

    private Run start(Path config, Map<String, String> env, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("start", "--port", String.valueOf(CugaServer.freePort()),
            "--data", tmp.resolve("data").toString(), "--deploy", tmp.resolve("deploy").toString(), "--config",
            config.toString()));
        args.addAll(List.of(more));
        return cuga(tmp, env, args.toArray(String[]::new));
    }

    record Run(int exit, String output) {
    }

    /** Runs ./cuga with the given environment (no inherited CUGA_ or AGENT_ variables) and waits for its exit. */
    static Run cuga(Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CugaServer.root().resolve("cuga").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("cuga-config-", ".log");
        try {
            ProcessBuilder b = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
            b.environment().keySet().removeIf(k -> k.startsWith("CUGA_") || k.startsWith("AGENT_"));
            b.environment().put("JAVA_HOME", System.getProperty("java.home"));
            b.environment().put("CUGA_NO_BUILD", "1");
            b.environment().putAll(env);
            Process p = b.start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("./cuga " + String.join(" ", args) + " did not finish:\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
