package io.cuga.store.jdbc.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.cuga.api.store.AuditRecord;

/**
 * The canonical form of an audit record and its hash. The body is the record as JSON with sorted keys (nested
 * maps too), every field but {@code seq}, {@code prevHash} and {@code hash}, the time as ISO-8601 UTC with
 * exactly six fraction digits. The hash is {@code "sha256:" + hex(SHA-256(prevHash + "\n" + body))}.
 */
public final class AuditCodec {

    /** The hash before the first record. */
    public static final String GENESIS = "sha256:" + "0".repeat(64);

    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final TypeReference<TreeMap<String, Object>> MAP = new TypeReference<>() {
    };

    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /**
     * @param time an instant
     * @return it cut to microseconds (what the store keeps)
     */
    public static Instant micros(Instant time) {
        return time.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * @param time an instant
     * @return microseconds since the epoch
     */
    public static long epochMicros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
    }

    /**
     * @param micros microseconds since the epoch
     * @return the instant
     */
    public static Instant fromMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /**
     * @param time an instant
     * @return ISO-8601 UTC with six fraction digits
     */
    public static String formatTime(Instant time) {
        return TIME.format(micros(time));
    }

    /**
     * @param record a record
     * @return its canonical body
     * @throws IllegalArgumentException when its data or decisions cannot be written as JSON
     */
    public String body(AuditRecord record) {
        Map<String, Object> m = new TreeMap<>();
        m.put("id", record.id());
        m.put("time", formatTime(record.time()));
        m.put("kind", record.kind());
        m.put("traceId", record.traceId());
        m.put("callId", record.callId());
        m.put("profile", record.profile());
        m.put("session", record.session());
        m.put("caller", record.caller());
        m.put("tool", record.tool());
        m.put("argumentsDigest", record.argumentsDigest());
        m.put("decisions", record.decisions());
        m.put("decision", record.decision());
        m.put("reason", record.reason());
        m.put("outcome", record.outcome());
        m.put("durationMicros", record.durationMicros());
        m.put("errorType", record.errorType());
        m.put("data", record.data());
        try {
            return mapper.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit record " + record.id() + " is not JSON-compatible: "
                + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param body a canonical body
     * @return its fields
     * @throws IllegalArgumentException when it is not a JSON object
     */
    public Map<String, Object> parse(String body) {
        try {
            return mapper.readValue(body, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param seq the position
     * @param body a canonical body
     * @param prevHash the hash before it
     * @param hash its hash
     * @return the record
     * @throws IllegalArgumentException when the body is not a record
     */
    @SuppressWarnings("unchecked")
    public AuditRecord record(long seq, String body, String prevHash, String hash) {
        Map<String, Object> m = parse(body);
        try {
            List<Map<String, Object>> decisions = new ArrayList<>();
            Object d = m.get("decisions");
            if (d instanceof List<?> list) {
                for (Object o : list) {
                    decisions.add((Map<String, Object>) o);
                }
            }
            Object data = m.get("data");
            Object duration = m.get("durationMicros");
            return new AuditRecord(seq, (String) m.get("id"), Instant.parse((String) m.get("time")),
                (String) m.get("kind"), (String) m.get("traceId"), (String) m.get("callId"),
                (String) m.get("profile"), (String) m.get("session"), (String) m.get("caller"),
                (String) m.get("tool"), (String) m.get("argumentsDigest"), decisions, (String) m.get("decision"),
                (String) m.get("reason"), (String) m.get("outcome"),
                duration instanceof Number n ? n.longValue() : 0L, (String) m.get("errorType"),
                data instanceof Map<?, ?> dm ? (Map<String, Object>) dm : Map.of(), prevHash, hash);
        } catch (ClassCastException | NullPointerException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not an audit record: " + e.getMessage(), e);
        }
    }

    /**
     * @param record an appended record
     * @return it as one line of JSON (no line break): the body's fields plus {@code seq}, {@code prevHash} and
     *     {@code hash}, keys sorted
     */
    public String line(AuditRecord record) {
        Map<String, Object> m = parse(body(record));
        m.put("seq", record.seq());
        m.put("prevHash", record.prevHash());
        m.put("hash", record.hash());
        return json(m);
    }

    /**
     * @param prevHash the hash before
     * @param body the canonical body
     * @return {@code sha256:<hex>} of {@code prevHash + "\n" + body}
     */
    public static String hash(String prevHash, String body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(body.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /**
     * @param value any JSON-compatible value
     * @return it as one line of JSON
     */
    public String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-compatible: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param json a JSON object, empty string for none
     * @return the map
     */
    public Map<String, Object> jsonMap(String json) {
        return json == null || json.isEmpty() ? Map.of() : parse(json);
    }
}
