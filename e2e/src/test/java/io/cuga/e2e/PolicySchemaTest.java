package io.cuga.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * The published policy schema (docs/policy.schema.json) describes what the server really accepts: every policy
 * file we ship or document passes it and the real `./cuga policy check`; every broken document of a corpus is
 * refused by both.
 */
class PolicySchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12, b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));

    @TempDir
    Path dir;

    private static Schema schema() throws IOException {
        JsonNode node = CugaServer.JSON.readTree(CugaServer.root().resolve("docs/policy.schema.json").toFile());
        return REGISTRY.getSchema(node);
    }

    private static List<Error> errors(Schema schema, String yaml) throws IOException {
        return schema.validate(YAML.readTree(yaml));
    }

    /** @return exit code and output of `./cuga policy check` on the files */
    private static Map.Entry<Integer, String> check(List<Path> files) throws Exception {
        List<String> command = new ArrayList<>(List.of(CugaServer.root().resolve("cuga").toString(), "policy",
            "check"));
        files.forEach(f -> command.add(f.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CUGA_NO_BUILD", "1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return Map.entry(process.waitFor(), output);
    }

    /** The documents we ship or document, by name: the runtime-config policies and the reference page's example. */
    private static Map<String, String> shipped() throws IOException {
        Map<String, String> docs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(CugaServer.root().resolve("runtime-config/policies"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.put(f.getFileName().toString(), Files.readString(f));
            }
        }
        // the template, uncommented (everything after its prose), is a whole document too; without `extends`,
        // since its examples widen the shipped default's egress
        String template = Files.readString(CugaServer.root().resolve("runtime-config/policies/profile.yaml.template"));
        StringBuilder uncommented = new StringBuilder();
        boolean prose = true;
        for (String line : template.split("\n")) {
            if (prose) {
                prose = !line.equals("#");
                continue;
            }
            uncommented.append(line.startsWith("# ") ? line.substring(2) : line.replaceFirst("^#", "")).append('\n');
        }
        docs.put("team-a.yaml", uncommented.toString().replaceAll("(?m)^extends: .*$", ""));
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL)
            .matcher(Files.readString(CugaServer.root().resolve("docs/policy.md")));
        assertThat(block.find()).as("the reference page's example").isTrue();
        docs.put("base.yaml", block.group(1).replace("profile: default", "profile: base")
            .replaceAll("(?m)^extends: .*$", ""));
        return docs;
    }

    @Test
    void everyDocumentWeShipOrDocumentPassesTheSchemaAndTheChecker() throws Exception {
        Schema schema = schema();
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> doc : shipped().entrySet()) {
            assertThat(errors(schema, doc.getValue())).as("schema errors of %s", doc.getKey()).isEmpty();
            Path file = dir.resolve(doc.getKey());
            Files.writeString(file, doc.getValue(), StandardCharsets.UTF_8);
            files.add(file);
        }
        Map.Entry<Integer, String> result = check(files);
        assertThat(result.getKey()).as(result.getValue()).isZero();
    }

    @Test
    void brokenDocumentsAreRefusedByTheSchemaAndTheCheckerAlike() throws Exception {
        Schema schema = schema();
        Map<String, String> broken = new LinkedHashMap<>();
        broken.put("typo-top", "profile: typo-top\nguardrails: [allowlist]\nguardrail: [x]\nallowlist: {allow: [a], bundles: [b]}\n");
        broken.put("typo-key", "profile: typo-key\nguardrails: [allowlist]\nallowlist: {alow: [a]}\n");
        broken.put("no-guardrails", "profile: no-guardrails\n");
        broken.put("bad-tier", "profile: bad-tier\nguardrails: [approval]\napproval: {tiers: [DANGEROUS]}\n");
        broken.put("bad-burst", "profile: bad-burst\nguardrails: [ratelimit]\nratelimit: {rules: [{tool: x, per_second: 1, burst: many}]}\n");
        broken.put("bad-kind", "profile: bad-kind\nguardrails: [budget]\nbudget: {limits: [{kind: dollars, scope: profile, ceiling: 5}]}\n");
        broken.put("bad-ratio", "profile: bad-ratio\nguardrails: [budget]\nbudget: {limits: [{kind: calls, scope: profile, ceiling: 5, warn_ratio: 2}]}\n");
        broken.put("bad-scheme", "profile: bad-scheme\nguardrails: [egress]\negress: {schemes: [ftp]}\n");
        broken.put("bad-timeout", "profile: bad-timeout\nguardrails: [approval]\napproval: {timeout_seconds: 0}\n");
        broken.put("bad-schema", "profile: bad-schema\nguardrails: [schema]\nschema: {tools: {calculator: 42}}\n");
        broken.put("bad-name", "profile: \"bad name\"\nguardrails: [allowlist]\n");
        for (Map.Entry<String, String> doc : broken.entrySet()) {
            assertThat(errors(schema, doc.getValue())).as("schema errors of %s", doc.getKey()).isNotEmpty();
            Path file = dir.resolve(doc.getKey() + ".yaml");
            Files.writeString(file, doc.getValue(), StandardCharsets.UTF_8);
            Map.Entry<Integer, String> result = check(List.of(file));
            assertThat(result.getKey()).as("the checker on %s: %s", doc.getKey(), result.getValue()).isNotZero();
        }
    }
}
