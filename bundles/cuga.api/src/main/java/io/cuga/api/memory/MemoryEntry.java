package io.cuga.api.memory;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One remembered item.
 *
 * @param id the entry's id, assigned by the store on {@link MemoryStore#put} when empty
 * @param scope where it lives
 * @param text the text searched and returned
 * @param metadata small JSON-compatible facts (source, kind, tool, ...), filterable by equality
 * @param createdAt when it was stored, assigned by the store when null
 * @param embedding a vector for semantic retrieval, or null (text search only)
 */
public record MemoryEntry(String id, MemoryScope scope, String text, Map<String, Object> metadata,
    Instant createdAt, float[] embedding) {

    /** Checks and normalises the fields. */
    public MemoryEntry {
        id = id == null ? "" : id;
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(text, "text");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
