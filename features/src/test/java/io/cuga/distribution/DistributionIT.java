package io.cuga.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.cuga.launcher.Features;
import io.cuga.launcher.Features.BundleRef;
import io.cuga.launcher.Features.Feature;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the assembled distribution (target/cuga), then runs it as a process the way ./cuga start does. */
class DistributionIT {

    private static final Path DIST = Paths.get(System.getProperty("cuga.dist", "target/cuga")).toAbsolutePath();
    private static final Path ROOT = Paths.get(System.getProperty("cuga.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private static List<Feature> features() throws IOException {
        return Features.readAll(DIST.resolve("features"));
    }

    private static Set<Path> jars(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).collect(Collectors.toSet());
        }
    }

    @Test
    void theRepositoryHoldsExactlyTheBundlesTheFeaturesName() throws IOException {
        Path repository = DIST.resolve("repository");
        List<BundleRef> plan = Features.plan(features());

        assertThat(Features.missing(plan, repository)).as("named by a feature, missing from repository/").isEmpty();
        Set<Path> named = plan.stream().map(b -> b.in(repository)).collect(Collectors.toSet());
        assertThat(jars(repository)).as("jars in repository/ that no feature names").isSubsetOf(named);
        assertThat(plan).extracting(BundleRef::artifactId).doesNotContain("cuga.tool.sample")
                .contains("cuga.api", "cuga.runtime", "org.apache.felix.webconsole", "pax-logging-log4j2");
    }

    @Test
    void eachFeatureIsOneConcernNamedAfterItsFile() throws IOException {
        List<Feature> features = features();
        assertThat(features).extracting(f -> f.file().getFileName().toString())
                .containsExactlyInAnyOrder("agents.json", "base.json", "core.json", "guardrails.json", "http.json",
                    "mcp.json", "memory.json", "models.json", "observability.json", "store.json", "tools.json",
                    "webconsole.json");
        for (Feature f : features) {
            String name = f.file().getFileName().toString().replace(".json", "");
            assertThat(f.id()).startsWith("io.cuga:cuga-feature-" + name + ":").doesNotContain("${");
        }
        List<BundleRef> plan = Features.plan(features);
        assertThat(plan.get(0).artifactId()).startsWith("pax-logging"); // logging before anything logs
        assertThat(plan.get(0).startOrder()).isEqualTo(1);
    }

    @Test
    void libHoldsTheLauncherTheFrameworkAndTheConfigurationParsersOnly() throws IOException {
        assertThat(jars(DIST.resolve("lib"))).extracting(p -> p.getFileName().toString().replaceAll("-[0-9].*", ""))
                .containsExactlyInAnyOrder("cuga-launcher", "org.apache.felix.framework",
                        // the layered configuration's parsers, which the launcher uses before the framework starts
                        "snakeyaml", "jackson-dataformat-toml", "jackson-databind", "jackson-core", "jackson-annotations");
        assertThat(DIST.resolve(".stamp")).exists();
    }

    @Test
    void theServerStartsServesTheProtectedConsoleHotDeploysAndStopsCleanly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = tmp.resolve("data");
        Path deploy = tmp.resolve("deploy");
        Path config = tmp.resolve("config");
        copy(ROOT.resolve("runtime-config"), config);
        Path out = tmp.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow", "-Xmx256m",
                "-cp", DIST.resolve("lib") + "/*", "io.cuga.launcher.Main", "--home", DIST.toString(),
                "--port", Integer.toString(port), "--data", data.toString(), "--deploy", deploy.toString(),
                "--config", config.toString()).redirectErrorStream(true).redirectOutput(out.toFile());
        // no model from the environment: the model bundle must idle (and say so), whatever the machine has set
        List.of("CUGA_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL").forEach(pb.environment()::remove);
        Process p = pb.start();
        try {
            Supplier<String> output = () -> read(out);
            await("the ready line", 60, () -> output.get().contains("cuga ready in"));
            assertThat(output.get()).contains("/system/console", "/metrics", data.resolve("secrets").toString());

            Path secrets = data.resolve("secrets");
            assertThat(mode(secrets)).isEqualTo("rwx------");
            assertThat(mode(secrets.resolve("admin.token"))).isEqualTo("rw-------");
            assertThat(mode(secrets.resolve("console.credentials"))).isEqualTo("rw-------");
            Properties login = new Properties();
            login.load(Files.newBufferedReader(secrets.resolve("console.credentials")));

            HttpClient http = HttpClient.newHttpClient();
            // the store: SQLite by default, in the data folder, reported by /ready
            String ready = "http://127.0.0.1:" + port + "/ready";
            await("the store's readiness check", 20, () -> body(http, ready, new Properties())
                .matches("(?s).*\\{\"name\":\"store\",\"ready\":true,\"detail\":\"SQLite at [^\"]*cuga\\.db.*"));
            assertThat(data.resolve("cuga.db")).exists();
            String console = "http://127.0.0.1:" + port + "/system/console/bundles";
            assertThat(get(http, console, "admin", "admin").statusCode()).isEqualTo(401);
            assertThat(get(http, console, null, null).statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get(http, console, login.getProperty("user"), login.getProperty("password"));
            assertThat(ok.statusCode()).isEqualTo(200);

            // a .cfg written into the config folder reaches ConfigAdmin without a restart
            Files.writeString(config.resolve("io.cuga.probe.cfg"), "answer = 42\n");
            String configs = "http://127.0.0.1:" + port + "/system/console/status-Configurations.txt";
            await("the new configuration", 10, () -> body(http, configs, login).contains("io.cuga.probe"));

            // a bundle dropped into deploy/ is installed and started
            Path jar = dropBundle(tmp.resolve("probe.jar"), "io.cuga.probe.dropped");
            Files.move(jar, deploy.resolve("probe.jar")); // whole, in one step
            String bundles = "http://127.0.0.1:" + port + "/system/console/bundles/io.cuga.probe.dropped.json";
            await("the dropped bundle, active", 10, () -> body(http, bundles, login).contains("\"Active\""));

            // the model bundle resolved (LangChain4j embedded, nothing missing) and idles without a model
            String model = "http://127.0.0.1:" + port + "/system/console/bundles/cuga.model.openai.json";
            assertThat(body(http, model, login)).contains("\"Active\"");
            await("the model bundle's idle line", 10, () -> output.get().contains("No chat model configured"));
        } finally {
            p.destroy(); // SIGTERM, as a container runtime or Ctrl-C would
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
        }
        assertThat(p.exitValue()).as(read(out)).isZero();
        assertThat(read(out)).contains("cuga stopped").doesNotContain("\tat ");
    }

    private static HttpResponse<String> get(HttpClient http, String url, String user, String password)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(HttpClient http, String url, Properties login) {
        try {
            return get(http, url, login.getProperty("user"), login.getProperty("password")).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static void await(String what, int seconds, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static Path dropBundle(Path jar, String symbolicName) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, m)) {
            j.flush();
        }
        return jar;
    }
}
