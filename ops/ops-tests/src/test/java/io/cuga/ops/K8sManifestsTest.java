package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Kubernetes manifests under ops/k8s: every file and every rendered kustomization is schema-valid (offline,
 * {@link KubeSchemas}), and the rendered base is what docs/operations.md says it is.
 */
class K8sManifestsTest {

    static final Path K8S = Ops.ops().resolve("k8s");
    static final Path BASE = K8S.resolve("base");
    static final Path POSTGRES = K8S.resolve("overlays/postgres");

    private static final Map<Path, List<JsonNode>> RENDERED = new HashMap<>();

    /** Every YAML file under ops/k8s except the kustomizations themselves and the copied configuration. */
    static Stream<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            List<Path> list = files.filter(Files::isRegularFile)
                .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
                .filter(p -> !p.startsWith(BASE.resolve("config")))
                .sorted().toList();
            assertThat(list).hasSizeGreaterThanOrEqualTo(8);
            return list.stream();
        }
    }

    static Stream<Path> kustomizations() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            List<Path> dirs = files.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
                .map(Path::getParent).sorted().toList();
            assertThat(dirs).contains(BASE, POSTGRES);
            return dirs.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifestFiles")
    void everyManifestFileIsSchemaValid(Path file) {
        List<JsonNode> docs = Ops.documents(file);
        assertThat(docs).as(file + " holds no object").isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            for (String p : KubeSchemas.get().validate(doc)) {
                problems.add(K8S.relativize(file) + " document " + (i + 1) + " (" + doc.path("kind").asText() + " "
                    + doc.path("metadata").path("name").asText() + "): " + p);
            }
        }
        assertThat(problems).as("schema violations").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void everyKustomizationRendersOfflineAndItsOutputIsSchemaValid(Path dir) {
        List<JsonNode> docs = render(dir);
        assertThat(docs).isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (JsonNode doc : docs) {
            for (String p : KubeSchemas.get().validate(doc)) {
                problems.add(doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText() + ": " + p);
            }
        }
        assertThat(problems).as("schema violations in the output of kubectl kustomize " + K8S.relativize(dir))
            .isEmpty();
    }

    @Test
    void theBaseHoldsTheServerAndItsGuardrailsInOneNamespace() {
        List<JsonNode> docs = render(BASE);
        Set<String> objects = docs.stream()
            .map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText())
            .collect(Collectors.toCollection(TreeSet::new));
        assertThat(objects).containsExactly(
                "ConfigMap/cuga-config", "ConfigMap/cuga-logging", "ConfigMap/cuga-policies", "Deployment/cuga",
                "HorizontalPodAutoscaler/cuga", "LimitRange/cuga-limits", "Namespace/cuga",
                "PodDisruptionBudget/cuga", "ResourceQuota/cuga-quota", "Service/cuga");
        for (JsonNode d : docs) {
            if (!d.path("kind").asText().equals("Namespace")) {
                assertThat(d.path("metadata").path("namespace").asText()).as(d.path("kind").asText()).isEqualTo("cuga");
            }
        }
        assertThat(docs).noneMatch(d -> d.path("kind").asText().equals("Secret"));
    }

    @Test
    void theServerIsProbedOnHealthAndReadyAndRunsLocked() {
        JsonNode deployment = one(render(BASE), "Deployment", "cuga");
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        JsonNode c = container(pod, "cuga");
        assertThat(c.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8080);
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
        assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
        for (JsonNode probe : List.of(c.path("livenessProbe"), c.path("readinessProbe"), c.path("startupProbe"))) {
            assertThat(probe.path("httpGet").path("port").asText()).isEqualTo("http");
        }
        for (String r : List.of("cpu", "memory")) {
            assertThat(c.path("resources").path("requests").path(r).isMissingNode()).as("request " + r).isFalse();
            assertThat(c.path("resources").path("limits").path(r).isMissingNode()).as("limit " + r).isFalse();
        }
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asInt()).isEqualTo(10001);
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        for (JsonNode any : List.of(c, container(pod.path("initContainers"), "seed-deploy"))) {
            JsonNode sc = any.path("securityContext");
            assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(any.path("name").asText()).isTrue();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
            assertThat(sc.path("capabilities").path("drop").toString()).contains("ALL");
        }
        // the writable folders are volumes, the configuration is mounted read-only where the image expects it
        Map<String, String> mounts = new TreeMap<>();
        c.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m.path("name").asText()));
        assertThat(mounts).containsEntry("/var/lib/cuga", "data").containsEntry("/opt/cuga/deploy", "deploy")
            .containsEntry("/etc/cuga", "config").containsEntry("/tmp", "tmp");
        Set<String> volumes = new TreeSet<>();
        pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        assertThat(volumes).containsExactlyInAnyOrder("data", "deploy", "config", "tmp");
        // the same admin token on every replica, from the Secret
        assertThat(envSecret(c, "CUGA_ADMIN_TOKEN")).isEqualTo("cuga-secrets/admin-token");
        assertThat(envSecret(c, "CUGA_CONSOLE_PASSWORD")).isEqualTo("cuga-secrets/console-password");
    }

    @Test
    void serviceAutoscalerAndDisruptionBudgetPointAtTheServer() {
        List<JsonNode> docs = render(BASE);
        JsonNode deployment = one(docs, "Deployment", "cuga");
        JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
        JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
        selector.fields().forEachRemaining(e -> assertThat(podLabels.path(e.getKey()).asText())
            .isEqualTo(e.getValue().asText()));
        JsonNode service = one(docs, "Service", "cuga");
        service.path("spec").path("selector").fields().forEachRemaining(e ->
            assertThat(podLabels.path(e.getKey()).asText()).as("service selector " + e.getKey())
                .isEqualTo(e.getValue().asText()));
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
        JsonNode pdb = one(docs, "PodDisruptionBudget", "cuga");
        pdb.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e ->
            assertThat(podLabels.path(e.getKey()).asText()).as("pdb selector " + e.getKey())
                .isEqualTo(e.getValue().asText()));
        JsonNode hpa = one(docs, "HorizontalPodAutoscaler", "cuga");
        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("cuga");
        assertThat(hpa.path("spec").path("minReplicas").asInt()).isLessThanOrEqualTo(
            hpa.path("spec").path("maxReplicas").asInt());
        // the base's store is SQLite in each pod: more pods would each count their own budgets
        assertThat(hpa.path("spec").path("maxReplicas").asInt()).as("the base without a shared store").isEqualTo(1);
    }

    /**
     * Every file of runtime-config/ reaches the pod at the same relative path under /etc/cuga, with the same
     * content: the ConfigMaps come from runtime-config and none is forgotten.
     */
    @Test
    void theConfigMapsCarryEveryRuntimeConfigFileAtItsPath() throws IOException {
        List<JsonNode> docs = render(BASE);
        JsonNode pod = one(docs, "Deployment", "cuga").path("spec").path("template").path("spec");
        JsonNode config = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals("config")) {
                config = v;
            }
        }
        assertThat(config).isNotNull();
        Map<String, String> projected = new TreeMap<>();
        for (JsonNode source : config.path("projected").path("sources")) {
            JsonNode cm = source.path("configMap");
            JsonNode data = one(docs, "ConfigMap", cm.path("name").asText()).path("data");
            if (cm.has("items")) {
                for (JsonNode item : cm.path("items")) {
                    projected.put(item.path("path").asText(), data.path(item.path("key").asText()).asText());
                }
            } else {
                data.fields().forEachRemaining(e -> projected.put(e.getKey(), e.getValue().asText()));
            }
        }
        Map<String, String> expected = runtimeConfigFiles(Ops.root().resolve("runtime-config"));
        assertThat(projected.keySet()).as("files under /etc/cuga in the pod vs runtime-config/ (a new file needs "
            + "ops/k8s/sync-config.sh, a configMapGenerator line and, in a subfolder, a projection)")
            .containsExactlyElementsOf(expected.keySet());
        expected.forEach((path, content) -> assertThat(projected.get(path)).as(path).isEqualTo(content));
    }

    @Test
    void theKustomizationsCopyOfRuntimeConfigIsInSync() throws IOException {
        assertThat(runtimeConfigFiles(BASE.resolve("config")))
            .as("ops/k8s/base/config differs from runtime-config/: run ops/k8s/sync-config.sh")
            .isEqualTo(runtimeConfigFiles(Ops.root().resolve("runtime-config")));
    }

    @Test
    void noSecretValueIsCommitted() throws IOException {
        JsonNode c = container(one(render(BASE), "Deployment", "cuga").path("spec").path("template").path("spec"),
            "cuga");
        Set<String> referenced = new TreeSet<>();
        c.path("env").forEach(e -> {
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (ref.path("name").asText().equals("cuga-secrets")) {
                referenced.add(ref.path("key").asText());
            }
        });
        JsonNode template = Ops.documents(BASE.resolve("secret.example.yaml")).get(0);
        assertThat(template.path("metadata").path("name").asText()).isEqualTo("cuga-secrets");
        Set<String> keys = new TreeSet<>();
        template.path("stringData").fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("the template lists exactly the keys the Deployment reads").isEqualTo(referenced);
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                for (JsonNode doc : Ops.documents(f)) {
                    if (doc.path("kind").asText().equals("Secret")) {
                        assertThat(f.getFileName().toString()).as("a Secret outside a template").endsWith(".example.yaml");
                        doc.path("stringData").forEach(v -> assertThat(v.asText()).as(f.toString()).isEqualTo("REPLACE_ME"));
                        assertThat(doc.has("data")).as(f + " must not carry base64 data").isFalse();
                    }
                }
            }
        }
    }

    @Test
    void thePostgresOverlayConfiguresTheStoreAndTwoReplicasAndNothingElse() {
        List<JsonNode> base = render(BASE);
        List<JsonNode> overlay = render(POSTGRES);
        assertThat(overlay).hasSameSizeAs(base);
        JsonNode deployment = one(overlay, "Deployment", "cuga");
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
        JsonNode c = container(deployment.path("spec").path("template").path("spec"), "cuga");
        // the store's keys as environment variables, the names e2e ReplicasTest starts two servers with
        assertThat(envValue(c, "CUGA__STORE__BACKEND")).isEqualTo("postgres");
        assertThat(envSecret(c, "CUGA__STORE__POSTGRES__URL")).isEqualTo("cuga-postgres/url");
        assertThat(envSecret(c, "CUGA__STORE__POSTGRES__USER")).isEqualTo("cuga-postgres/user");
        assertThat(envValue(c, "CUGA__STORE__POSTGRES__PASSWORD__ENV")).isEqualTo("CUGA_POSTGRES_PASSWORD");
        assertThat(envSecret(c, "CUGA_POSTGRES_PASSWORD")).isEqualTo("cuga-postgres/password");
        // the patch merged into the container: probes and env of the base are still there
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
        assertThat(envSecret(c, "CUGA_ADMIN_TOKEN")).isEqualTo("cuga-secrets/admin-token");
        assertThat(one(overlay, "HorizontalPodAutoscaler", "cuga").path("spec").path("minReplicas").asInt())
            .isEqualTo(2);
        for (JsonNode d : base) {
            if (!Set.of("Deployment", "HorizontalPodAutoscaler").contains(d.path("kind").asText())) {
                assertThat(one(overlay, d.path("kind").asText(), d.path("metadata").path("name").asText()))
                    .isEqualTo(d);
            }
        }
    }

    // ---- helpers

    static synchronized List<JsonNode> render(Path dir) {
        return RENDERED.computeIfAbsent(dir, d -> {
            var kubectl = Ops.kubectl();
            Ops.requireTool(kubectl.isPresent(), "kubectl (to render the kustomizations)");
            Ops.Run run = Ops.run(List.of(kubectl.get().toString(), "kustomize", d.toString()), d, 60);
            assertThat(run.exit()).as("kubectl kustomize " + d + ":\n" + run.stderr()).isZero();
            assertThat(run.stderr()).as("kubectl kustomize " + d + " warned").isBlank();
            return Ops.documents(run.stdout());
        });
    }

    static JsonNode one(List<JsonNode> docs, String kind, String name) {
        List<JsonNode> found = docs.stream().filter(d -> d.path("kind").asText().equals(kind)
            && d.path("metadata").path("name").asText().equals(name)).toList();
        assertThat(found).as(kind + "/" + name).hasSize(1);
        return found.get(0);
    }

    static JsonNode container(JsonNode podSpecOrList, String name) {
        JsonNode list = podSpecOrList.isArray() ? podSpecOrList : podSpecOrList.path("containers");
        for (JsonNode c : list) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name);
    }

    static String envValue(JsonNode container, String variable) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(variable)) {
                return e.path("value").asText(null);
            }
        }
        return null;
    }

    static String envSecret(JsonNode container, String variable) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(variable)) {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                return ref.path("name").asText() + "/" + ref.path("key").asText();
            }
        }
        return null;
    }

    /** Relative path -> content of every file of a runtime-config folder (README.md is documentation). */
    static Map<String, String> runtimeConfigFiles(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (!rel.equals("README.md")) {
                    try {
                        files.put(rel, Files.readString(p, StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return files;
    }
}
