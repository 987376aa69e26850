package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** docs/operations.md and SECURITY.md say what the assets really are. */
class OpsDocsTest {

    static String read(String path) throws IOException {
        return Files.readString(Ops.root().resolve(path), StandardCharsets.UTF_8);
    }

    /** Every pinned image as name:tag and digest, from the Dockerfile and the compose file. */
    static List<String[]> pinnedImages() throws IOException {
        List<String> refs = new ArrayList<>();
        for (DockerfileTest.Instruction i : DockerfileTest.parse(DockerfileTest.dockerfile())) {
            if (i.keyword().equals("FROM")) {
                refs.add(i.args().split("\\s+")[0]);
            }
        }
        for (JsonNode service : Ops.documents(ComposeTest.COMPOSE).get(0).path("services")) {
            if (service.has("image") && !service.has("build")) {
                refs.add(service.path("image").asText());
            }
        }
        List<String[]> out = new ArrayList<>();
        for (String ref : refs) {
            String[] parts = ref.split("@");
            out.add(parts);
        }
        assertThat(out).hasSize(6);
        return out;
    }

    @Test
    void theOperationsPageListsEveryPinnedImageWithItsDigest() throws IOException {
        String doc = read("docs/operations.md");
        for (String[] image : pinnedImages()) {
            String row = doc.lines().filter(l -> l.contains("`" + image[0] + "`")).findFirst().orElse(null);
            assertThat(row).as("a row for " + image[0] + " in docs/operations.md").isNotNull();
            assertThat(row).as(image[0]).contains("`" + image[1] + "`");
        }
        assertThat(doc).contains("has not been built on the development machine");
    }

    @Test
    void theRunbookHasAnEntryPerAlertOfTheObservabilityIssue() throws IOException {
        String doc = read("docs/operations.md");
        for (String alert : List.of("### Success rate low", "### Latency high", "### Tool error ratio high",
            "### Budget exceeded", "### Approval timeouts", "### Policy rejected", "### Exporter drops")) {
            assertThat(doc).contains(alert);
        }
        for (String section : List.of("## Install", "## Upgrade", "## Rollout and rollback", "## Backup and restore",
            "## Rotating tokens and passwords", "## Reading the dashboards", "## Runbook")) {
            assertThat(doc).contains(section);
        }
    }

    @Test
    void securityPageCoversTheThreatModelAndReporting() throws IOException {
        String doc = read("SECURITY.md");
        for (String section : List.of("### A malicious (or compromised) tool bundle", "### A prompt-injected agent",
            "### A hostile caller on the network", "### A curious operator", "## Tools that run outside the JVM",
            "## Reporting a vulnerability")) {
            assertThat(doc).contains(section);
        }
        assertThat(doc).contains("stdio MCP server").contains("cannot see what a child process does");
    }
}
