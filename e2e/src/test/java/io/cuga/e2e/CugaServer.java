package io.cuga.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The built distribution, started with {@code ./cuga start} as its own process on a free loopback port with
 * its own data, deploy and config folders, as an operator would run it.
 */
final class CugaServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String AGENT_TOKEN = "e2e-agent-token-0123456789";
    static final String APPROVER_TOKEN = "e2e-approver-token-0123456789";
    static final String ADMIN_TOKEN = "e2e-admin-token-0123456789";

    final Path work;
    final Path data;
    final Path deploy;
    final Path config;
    final Path log;
    final int port;
    final Process process;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Integer exitCode;

    private final Path javaHome;
    private final Map<String, String> env;

    private CugaServer(Path work, int port, Process process, Path javaHome, Map<String, String> env) {
        this.javaHome = javaHome;
        this.env = env;
        this.work = work;
        this.data = work.resolve("data");
        this.deploy = work.resolve("deploy");
        this.config = work.resolve("config");
        this.log = work.resolve("server.log");
        this.port = port;
        this.process = process;
    }

    static Path root() {
        return Paths.get(System.getProperty("cuga.root", "..")).toAbsolutePath().normalize();
    }

    /** Starts a server with the default tokens in the environment. */
    static CugaServer start() {
        return start(Paths.get(System.getProperty("java.home")), Map.of(
            "AGENT_TOKEN", AGENT_TOKEN, "CUGA_APPROVER_TOKEN", APPROVER_TOKEN, "CUGA_ADMIN_TOKEN", ADMIN_TOKEN));
    }

    /**
     * Starts a server and waits until it is ready.
     *
     * @param javaHome the JDK to run it on
     * @param env environment variables to add
     */
    static CugaServer start(Path javaHome, Map<String, String> env) {
        return start(javaHome, env, config -> { });
    }

    /** What a test changes in a server's copy of runtime-config before the server starts. */
    interface ConfigChange {
        void apply(Path config) throws IOException;
    }

    /**
     * Starts a server with the default tokens on a copy of runtime-config that {@code change} edits first.
     *
     * @param change edits the configuration folder
     */
    static CugaServer start(ConfigChange change) {
        return start(Paths.get(System.getProperty("java.home")), Map.of(
            "AGENT_TOKEN", AGENT_TOKEN, "CUGA_APPROVER_TOKEN", APPROVER_TOKEN, "CUGA_ADMIN_TOKEN", ADMIN_TOKEN),
            change);
    }

    static CugaServer start(Path javaHome, Map<String, String> env, ConfigChange change) {
        return start(javaHome, env, change, true);
    }

    /** Starts a server that is expected never to be ready; waits only until it answers /health. */
    static CugaServer startUnready(ConfigChange change) {
        return start(Paths.get(System.getProperty("java.home")), Map.of(
            "AGENT_TOKEN", AGENT_TOKEN, "CUGA_APPROVER_TOKEN", APPROVER_TOKEN, "CUGA_ADMIN_TOKEN", ADMIN_TOKEN),
            change, false);
    }

    private static CugaServer start(Path javaHome, Map<String, String> env, ConfigChange change, boolean ready) {
        return start(javaHome, env, change, ready, List.of());
    }

    /** Starts a server with more options for ./cuga start (e.g. --set key=value) and waits until it is ready. */
    static CugaServer startWith(List<String> options, Map<String, String> env, ConfigChange change) {
        return start(Paths.get(System.getProperty("java.home")), env, change, true, options);
    }

    private static CugaServer start(Path javaHome, Map<String, String> env, ConfigChange change, boolean ready,
        List<String> options) {
        try {
            Path work = Files.createTempDirectory("cuga-e2e-");
            copyTree(root().resolve("runtime-config"), work.resolve("config"));
            change.apply(work.resolve("config"));
            Files.createDirectories(work.resolve("deploy"));
            return launch(work, javaHome, env, ready, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a stopped server again on the same folders (and a new port). */
    static CugaServer restart(CugaServer stopped) {
        try {
            return launch(stopped.work, stopped.javaHome, stopped.env, true, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CugaServer launch(Path work, Path javaHome, Map<String, String> env, boolean ready,
        List<String> options) throws IOException {
        {
            Path config = work.resolve("config");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(root().resolve("cuga").toString(), "start",
                "--port", String.valueOf(port), "--data", work.resolve("data").toString(),
                "--deploy", work.resolve("deploy").toString(), "--config", config.toString()));
            command.addAll(options);
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("server.log").toFile()));
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(k -> k.startsWith("CUGA_") || k.equals("AGENT_TOKEN"));
            environment.put("JAVA_HOME", javaHome.toString());
            environment.put("CUGA_NO_BUILD", "1");
            environment.putAll(env);
            CugaServer server = new CugaServer(work, port, builder.start(), javaHome, env);
            server.awaitReady(Duration.ofSeconds(90), ready ? "/ready" : "/health");
            return server;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private void awaitReady(Duration timeout, String probe) {
        boolean ready = poll(timeout, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("server exited with " + process.exitValue() + " before it was ready:\n"
                    + logTail());
            }
            try {
                return get(probe, null).statusCode() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        });
        if (!ready) {
            throw new AssertionError("server not ready within " + timeout + ":\n" + logTail());
        }
    }

    /** Polls a condition every 50 ms until it holds or the timeout passes. */
    static boolean poll(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    HttpResponse<String> get(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    HttpResponse<String> post(String path, String token, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b, token);
    }

    HttpResponse<String> invoke(String tool, String token, Object arguments) {
        try {
            return post("/api/v1/tools/" + tool + "/invoke", token, "application/json",
                JSON.writeValueAsString(Map.of("arguments", arguments)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> send(HttpRequest.Builder builder, String token) {
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(builder.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** Tool names listed for the agent token. */
    List<String> toolNames() {
        List<String> names = new ArrayList<>();
        for (JsonNode tool : json(get("/api/v1/tools", AGENT_TOKEN)).path("tools")) {
            names.add(tool.path("name").asText());
        }
        return names;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the server as Ctrl-C would (SIGTERM to the JVM) and returns its exit code. */
    int stop() {
        if (exitCode == null) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    exitCode = -1;
                } else {
                    exitCode = process.exitValue();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                exitCode = -1;
            }
        }
        return exitCode;
    }

    /** Kills the server as a power cut or the OOM killer would (SIGKILL to the JVM): no shutdown hook runs. */
    void kill() {
        if (exitCode == null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exitCode = -9;
        }
    }

    @Override
    public void close() {
        stop();
        deleteTree(work);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: temp files
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
