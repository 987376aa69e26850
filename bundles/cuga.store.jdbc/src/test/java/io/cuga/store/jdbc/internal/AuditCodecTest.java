package io.cuga.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.store.AuditRecord;

/** The canonical body and the hash every store computes: what `cuga audit verify` recomputes independently. */
class AuditCodecTest {

    private final AuditCodec codec = new AuditCodec();

    private static AuditRecord record(Map<String, Object> data) {
        return new AuditRecord(0, "r1", Instant.parse("2026-11-27T10:15:30.123456789Z"), AuditRecord.ATTEMPT,
            "0af7651916cd43dd8448eb211c80319c", "c1", "default", "s", "agent", "calculator", "sha256:ab",
            List.of(Map.of("guardrail", "allowlist", "verdict", "ALLOW", "rule", "", "reason", "")), "ALLOW", "",
            "", 0, "", data, "", "");
    }

    @Test
    void theBodyIsCanonicalWhateverTheOrderOfMapsAndLeavesOutTheChainFields() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", Map.of("y", 2, "x", 1));
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", Map.of("x", 1, "y", 2));
        ba.put("a", 1);
        String body = codec.body(record(ab));
        assertThat(codec.body(record(ba))).isEqualTo(body);
        assertThat(body).startsWith("{\"argumentsDigest\"").contains("\"data\":{\"a\":1,\"b\":{\"x\":1,\"y\":2}}")
            .contains("\"time\":\"2026-11-27T10:15:30.123456Z\"") // microseconds, UTC
            .doesNotContain("\"seq\"").doesNotContain("prevHash").doesNotContain("\"hash\"");
        // appending does not change the body: seq and hashes live beside it
        assertThat(codec.body(record(ab).appended(7, AuditCodec.GENESIS, "sha256:x"))).isEqualTo(body);
    }

    @Test
    void theHashIsSha256OfThePreviousHashANewlineAndTheBody() throws Exception {
        String body = codec.body(record(Map.of()));
        byte[] digest = MessageDigest.getInstance("SHA-256")
            .digest((AuditCodec.GENESIS + "\n" + body).getBytes(StandardCharsets.UTF_8));
        assertThat(AuditCodec.hash(AuditCodec.GENESIS, body)).isEqualTo("sha256:" + HexFormat.of().formatHex(digest));
        assertThat(AuditCodec.hash("sha256:" + "1".repeat(64), body)).isNotEqualTo(AuditCodec.hash(AuditCodec.GENESIS,
            body));
    }

    @Test
    void aBodyReadsBackAsTheRecord() {
        AuditRecord original = record(Map.of("policyVersion", 3));
        String body = codec.body(original);
        AuditRecord back = codec.record(5, body, AuditCodec.GENESIS, AuditCodec.hash(AuditCodec.GENESIS, body));
        assertThat(back.seq()).isEqualTo(5);
        assertThat(back.time()).isEqualTo(Instant.parse("2026-11-27T10:15:30.123456Z"));
        assertThat(back.decisions()).isEqualTo(original.decisions());
        assertThat(back.data()).containsEntry("policyVersion", 3);
        assertThat(codec.body(back)).isEqualTo(body);
    }
}
