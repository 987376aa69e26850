package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher's two-scan rule, one scan at a time, with no thread and no timing: what {@link PolicyLoaderTest}
 * can only show when a scan happens to fall between an editor's two steps, here every scan is placed on purpose.
 */
class FolderPollerTest {

    static final String FULL = "profile: default\nguardrails: [allowlist]\nallowlist:\n"
        + "  allow: [calculator, sample_echo]\n";
    static final String HALF = FULL.substring(0, FULL.indexOf("  allow"));

    @TempDir
    Path folder;

    void write(String text) throws Exception {
        Files.writeString(folder.resolve("default.yaml"), text);
    }

    static String content(FolderPoller.Scan scan) {
        return new String(scan.changed().get("default.yaml"), StandardCharsets.UTF_8);
    }

    @Test
    void aFileSeenHalfWrittenByOneScanIsReportedOnlyWhenWholeAndTwoScansAgree() throws Exception {
        write("profile: default\n");
        FolderPoller poller = new FolderPoller(folder);
        assertThat(poller.initial().changed()).containsOnlyKeys("default.yaml");

        write(HALF);
        assertThat(poller.scan().isEmpty()).as("the half, seen once").isTrue();
        Files.writeString(folder.resolve("default.yaml"), FULL.substring(HALF.length()), StandardOpenOption.APPEND);
        assertThat(poller.scan().isEmpty()).as("the whole, seen once").isTrue();
        FolderPoller.Scan scan = poller.scan();
        assertThat(scan.deleted()).isEmpty();
        assertThat(content(scan)).as("the whole, seen twice").isEqualTo(FULL);
        assertThat(poller.scan().isEmpty()).as("reported once").isTrue();
    }

    @Test
    void aFileMissingFromOneScanOnlyIsNotReportedDeleted() throws Exception {
        write(HALF);
        FolderPoller poller = new FolderPoller(folder);
        poller.initial();

        // an editor that deletes and writes again, with a scan in between
        Files.delete(folder.resolve("default.yaml"));
        assertThat(poller.scan().isEmpty()).as("missing once").isTrue();
        write(FULL);
        assertThat(poller.scan().isEmpty()).as("back, seen once").isTrue();
        FolderPoller.Scan scan = poller.scan();
        assertThat(scan.deleted()).isEmpty();
        assertThat(content(scan)).isEqualTo(FULL);

        Files.delete(folder.resolve("default.yaml"));
        assertThat(poller.scan().isEmpty()).as("missing once").isTrue();
        assertThat(poller.scan().deleted()).as("missing twice").containsExactly("default.yaml");
    }
}
