package io.cuga.api.memory;

import java.util.Map;

/**
 * What to look for.
 *
 * @param text words to search for (every word must occur, case-insensitively; best matches first); empty = the
 *     newest entries
 * @param metadata only entries whose metadata has these values (string equality)
 * @param includeProfileWide for a session scope: also search the profile-wide entries
 * @param limit at most this many hits, 1 to 100
 * @param embedding a query vector for semantic retrieval, or null; a backend without vector support ignores it
 */
public record MemoryQuery(String text, Map<String, String> metadata, boolean includeProfileWide, int limit,
    float[] embedding) {

    /** The largest page. */
    public static final int MAX_LIMIT = 100;

    /** Checks and normalises the fields. */
    public MemoryQuery {
        text = text == null ? "" : text;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
    }

    /**
     * @param text the words
     * @param limit the most hits
     * @return a text query in one scope
     */
    public static MemoryQuery text(String text, int limit) {
        return new MemoryQuery(text, Map.of(), false, limit, null);
    }
}
