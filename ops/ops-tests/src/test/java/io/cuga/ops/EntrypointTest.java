package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The container's entrypoint (ops/docker/entrypoint.sh) run as the image runs it, against a copy of the built
 * distribution, with the configuration laid out the way the kubelet mounts a ConfigMap volume (files are
 * symlinks into a timestamped folder that is swapped atomically on update). What a container would do is
 * checked without a container: the server starts and gets ready, the Dockerfile's HEALTHCHECK command passes, an
 * updated ConfigMap reaches the server without a restart, SIGTERM stops it with exit 0, and nothing is written
 * outside the data and deploy folders (the read-only root filesystem of the Kubernetes manifests).
 */
class EntrypointTest {

    private static final String ADMIN_TOKEN = "ops-test-admin-token-0123456789";

    @TempDir
    Path work;

    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void runsTheDistributionLikeTheImageAndTheKubeletWould() throws Exception {
        Path dist = Ops.root().resolve("features/target/cuga");
        assertThat(dist.resolve("lib")).as("the distribution (mvn package builds it before this module)").isDirectory();
        Path home = copy(dist, work.resolve("opt-cuga"), List.of("lib", "features", "repository"));
        Path config = work.resolve("etc-cuga");
        Path data = work.resolve("var-lib-cuga");
        Path deploy = work.resolve("deploy");
        Files.createDirectories(deploy);
        // the ConfigMaps of the base kustomization, as the kubelet projects them
        Map<String, String> files = K8sManifestsTest.runtimeConfigFiles(Ops.ops().resolve("k8s/base/config"));
        kubeletWrite(config, files, "..2026_01_01_00_00_00.000000001", null);
        Map<String, String> homeBefore = snapshot(home);
        Map<String, String> configBefore = snapshot(config);

        int port = freePort();
        Path log = work.resolve("server.log");
        ProcessBuilder b = new ProcessBuilder(Ops.ops().resolve("docker/entrypoint.sh").toString())
            .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = b.environment();
        env.keySet().removeIf(k -> k.startsWith("CUGA_") || k.equals("AGENT_TOKEN"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("CUGA_HOME", home.toString());
        env.put("CUGA_DATA", data.toString());
        env.put("CUGA_DEPLOY", deploy.toString());
        env.put("CUGA_CONFIG", config.toString());
        env.put("CUGA_PORT", String.valueOf(port));
        env.put("CUGA_HOST", "127.0.0.1"); // the image listens on 0.0.0.0; a test stays on loopback
        env.put("CUGA_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("CUGA_CONSOLE_PASSWORD", "ops-test-console-password");
        process = b.start();

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        assertThat(poll(Duration.ofSeconds(90), () -> status(http, port, "/ready") == 200))
            .as("ready within 90 s:\n" + tail(log)).isTrue();
        assertThat(status(http, port, "/health")).isEqualTo(200);

        // the Dockerfile's HEALTHCHECK command, run by a shell with the container's environment
        String healthcheck = healthcheckCommand();
        assertThat(sh(healthcheck, port)).as(healthcheck).isZero();

        // the allowlist of the ConfigMap is in force, and an update of the ConfigMap reaches the server live
        assertThat(tools(http, port)).contains("calculator");
        Map<String, String> updated = new TreeMap<>(files);
        updated.put("cuga.allowlist.cfg", "tools = sample_*\nbundles = cuga.tool.*\n");
        kubeletWrite(config, updated, "..2026_01_01_00_01_00.000000002", "..2026_01_01_00_00_00.000000001");
        assertThat(poll(Duration.ofSeconds(20), () -> !tools(http, port).contains("calculator")))
            .as("calculator hidden after the ConfigMap update:\n" + tail(log)).isTrue();
        kubeletWrite(config, files, "..2026_01_01_00_02_00.000000003", "..2026_01_01_00_01_00.000000002");
        assertThat(poll(Duration.ofSeconds(20), () -> tools(http, port).contains("calculator")))
            .as("calculator back after the second update:\n" + tail(log)).isTrue();

        // SIGTERM (docker stop, the kubelet): the launcher stops the framework and exits 0
        long pid = process.pid();
        new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        assertThat(process.waitFor(45, TimeUnit.SECONDS)).as("stopped within 45 s").isTrue();
        assertThat(process.exitValue()).as(tail(log)).isZero();
        assertThat(Files.readString(log)).contains("cuga stopped");
        assertThat(sh(healthcheck, port)).as("the health check fails once the server is gone").isNotZero();

        // a read-only root filesystem holds: the server wrote into data only (deploy is the operator's)
        assertThat(snapshot(home)).as("nothing written into the distribution").isEqualTo(homeBefore);
        // in the configuration folder, only what the "kubelet" wrote: the same names, the last version's files
        assertThat(versionless(snapshot(config).keySet(), "..2026_01_01_00_02_00.000000003"))
            .as("nothing written into the configuration folder")
            .isEqualTo(versionless(configBefore.keySet(), "..2026_01_01_00_00_00.000000001"));
        assertThat(data.resolve("logs/cuga.log")).exists();
        try (Stream<Path> s = Files.list(deploy)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    private static List<String> versionless(java.util.Set<String> names, String version) {
        return names.stream().map(n -> n.replace(version, "..VERSION")).sorted().toList();
    }

    /** The CMD of the Dockerfile's HEALTHCHECK (shell form). */
    static String healthcheckCommand() throws IOException {
        for (DockerfileTest.Instruction i : DockerfileTest.parse(DockerfileTest.dockerfile())) {
            if (i.keyword().equals("HEALTHCHECK")) {
                Matcher m = Pattern.compile("\\bCMD (.*)$").matcher(i.args());
                assertThat(m.find()).as("shell-form CMD in " + i.args()).isTrue();
                return m.group(1);
            }
        }
        throw new AssertionError("no HEALTHCHECK");
    }

    private static int sh(String command, int port) throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        b.environment().put("CUGA_PORT", String.valueOf(port));
        Process p = b.start();
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    /**
     * Writes a ConfigMap volume the way the kubelet's atomic writer does: the files go into a new timestamped
     * folder, {@code ..data} is switched to it with one rename, and the visible names are symlinks through
     * {@code ..data}; the previous folder is then removed.
     */
    static void kubeletWrite(Path dir, Map<String, String> files, String version, String previous) throws IOException {
        Path target = dir.resolve(version);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = target.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
        }
        Path tmpLink = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, Path.of(version));
        Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String name : files.keySet()) {
            String top = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
            Path link = dir.resolve(top);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data", top));
            }
        }
        if (previous != null) {
            try (Stream<Path> s = Files.walk(dir.resolve(previous))) {
                for (Path p : s.sorted((a, c) -> c.getNameCount() - a.getNameCount()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static List<String> tools(HttpClient http, int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/tools")).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            List<String> names = new ArrayList<>();
            for (JsonNode t : Ops.JSON.readTree(r.body()).path("tools")) {
                names.add(t.path("name").asText());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int status(HttpClient http, int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private boolean poll(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                return false;
            }
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static Path copy(Path from, Path to, List<String> parts) throws IOException {
        for (String part : parts) {
            try (Stream<Path> s = Files.walk(from.resolve(part))) {
                for (Path p : s.toList()) {
                    Path dest = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
        return to;
    }

    /** Relative path -> size and modification time of every file and folder, symlinks not followed. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                out.put(dir.relativize(p).toString(), Files.isSymbolicLink(p) ? "link"
                    : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
