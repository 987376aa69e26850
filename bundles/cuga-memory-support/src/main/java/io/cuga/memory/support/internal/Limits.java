package io.cuga.memory.support.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;

/**
 * The bounds every backend enforces, and the checked, normalised form of an entry and of a query. Anything out of
 * bounds is an {@link IllegalArgumentException} naming the limit.
 */
public final class Limits {

    /** Largest text, in UTF-8 bytes (64 KiB). */
    public static final int MAX_TEXT_BYTES = 64 * 1024;
    /** Largest metadata, as compact JSON in UTF-8 bytes (8 KiB). */
    public static final int MAX_METADATA_BYTES = 8 * 1024;
    /** Most dimensions of an embedding. */
    public static final int MAX_EMBEDDING_DIMENSIONS = 4096;
    /** Longest entry id. */
    public static final int MAX_ID_CHARS = 128;
    /** Longest profile or session name. */
    public static final int MAX_SCOPE_CHARS = 256;
    /** Most distinct words in a search. */
    public static final int MAX_QUERY_WORDS = 32;
    /** Most metadata filters in a search. */
    public static final int MAX_QUERY_FILTERS = 16;

    private Limits() {
    }

    /**
     * An entry ready to store.
     *
     * @param entry the entry as stored and returned (id and time assigned, time to the microsecond, metadata
     *     normalised through JSON)
     * @param metadataJson its metadata as JSON
     * @param words its words ({@link Words})
     * @param createdMicros its time in microseconds since the epoch
     * @param bytes about how much memory it takes
     */
    public record Prepared(MemoryEntry entry, String metadataJson, List<String> words, long createdMicros,
        long bytes) {
    }

    /**
     * A query ready to run.
     *
     * @param words its distinct words, empty for "the newest"
     * @param metadata the filters
     * @param includeProfileWide whether a session search also sees the profile-wide entries
     * @param limit the most hits
     * @param embedding the query vector or null
     */
    public record PreparedQuery(List<String> words, Map<String, String> metadata, boolean includeProfileWide,
        int limit, float[] embedding) {
    }

    /**
     * @param scope a scope
     * @return it, checked
     */
    public static MemoryScope check(MemoryScope scope) {
        if (scope == null) {
            throw new IllegalArgumentException("a memory scope is required");
        }
        name(scope.profile(), "profile");
        name(scope.session(), "session");
        return scope;
    }

    /**
     * @param id an entry id
     * @return it, checked
     */
    public static String checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("a memory entry id is required");
        }
        if (id.length() > MAX_ID_CHARS) {
            throw new IllegalArgumentException("a memory entry id is at most " + MAX_ID_CHARS + " characters");
        }
        if (id.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a memory entry id must not contain a NUL character");
        }
        return id;
    }

    /**
     * Checks an entry and fills in what the store assigns.
     *
     * @param entry the entry to store
     * @param clock the time for an entry without one
     * @return it, ready to store
     */
    public static Prepared prepare(MemoryEntry entry, Clock clock) {
        if (entry == null) {
            throw new IllegalArgumentException("a memory entry is required");
        }
        check(entry.scope());
        String id = entry.id().isEmpty() ? UUID.randomUUID().toString() : checkId(entry.id());
        int textBytes = entry.text().getBytes(StandardCharsets.UTF_8).length;
        if (textBytes > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("memory text is " + textBytes + " bytes; the limit is "
                + MAX_TEXT_BYTES + " bytes (64 KiB, UTF-8)");
        }
        if (entry.text().indexOf('\0') >= 0) {
            throw new IllegalArgumentException("memory text must not contain a NUL character");
        }
        String json = MetadataJson.write(entry.metadata());
        int metadataBytes = MetadataJson.bytes(json);
        if (metadataBytes > MAX_METADATA_BYTES) {
            throw new IllegalArgumentException("memory metadata is " + metadataBytes + " bytes of JSON; the limit is "
                + MAX_METADATA_BYTES + " bytes (8 KiB)");
        }
        float[] embedding = entry.embedding() == null ? null : checkEmbedding(entry.embedding()).clone();
        Instant created = Times.truncate(entry.createdAt() == null ? clock.instant() : entry.createdAt());
        long micros;
        try {
            micros = Times.micros(created);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("memory entry time " + entry.createdAt() + " is out of range");
        }
        MemoryEntry stored = new MemoryEntry(id, entry.scope(), entry.text(), MetadataJson.read(json), created,
            embedding);
        long bytes = 200L + 2L * entry.text().length() + 2L * json.length()
            + (embedding == null ? 0 : 4L * embedding.length) + 2L * (id.length() + entry.scope().profile().length()
                + entry.scope().session().length());
        return new Prepared(stored, json, Words.of(entry.text()), micros, bytes);
    }

    /**
     * @param query a query
     * @return it, checked, with its distinct words
     */
    public static PreparedQuery prepare(MemoryQuery query) {
        if (query == null) {
            throw new IllegalArgumentException("a memory query is required");
        }
        if (query.text().length() > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("a memory search text is at most " + MAX_TEXT_BYTES + " characters");
        }
        List<String> words = new ArrayList<>(new LinkedHashSet<>(Words.of(query.text())));
        if (words.size() > MAX_QUERY_WORDS) {
            throw new IllegalArgumentException("a memory search has at most " + MAX_QUERY_WORDS
                + " distinct words, not " + words.size());
        }
        if (query.metadata().size() > MAX_QUERY_FILTERS) {
            throw new IllegalArgumentException("a memory search has at most " + MAX_QUERY_FILTERS
                + " metadata filters");
        }
        query.metadata().forEach((k, v) -> {
            if (k.isEmpty() || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a memory metadata filter needs a key and no NUL characters");
            }
        });
        float[] embedding = query.embedding() == null ? null : checkEmbedding(query.embedding());
        return new PreparedQuery(List.copyOf(words), query.metadata(), query.includeProfileWide(), query.limit(),
            embedding);
    }

    private static float[] checkEmbedding(float[] v) {
        if (v.length == 0 || v.length > MAX_EMBEDDING_DIMENSIONS) {
            throw new IllegalArgumentException("an embedding has 1 to " + MAX_EMBEDDING_DIMENSIONS
                + " dimensions, not " + v.length);
        }
        for (float f : v) {
            if (!Float.isFinite(f)) {
                throw new IllegalArgumentException("an embedding holds finite numbers only");
            }
        }
        return v;
    }

    private static void name(String value, String what) {
        if (value.length() > MAX_SCOPE_CHARS) {
            throw new IllegalArgumentException("a memory " + what + " name is at most " + MAX_SCOPE_CHARS
                + " characters");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a memory " + what + " name must not contain a NUL character");
        }
    }
}
