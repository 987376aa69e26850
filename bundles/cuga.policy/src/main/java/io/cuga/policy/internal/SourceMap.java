package io.cuga.policy.internal;

import java.util.Map;

import io.cuga.api.policy.PolicyException;

/**
 * Where each JSON-pointer path of a parsed document is in its source text. A map entry is at its key, a list item
 * at its first character, the document at its first key. A path that is not in the document (a key a guardrail
 * says is missing) is reported at its nearest ancestor that is.
 */
final class SourceMap {

    /**
     * A position in the source text.
     *
     * @param line 1-based line
     * @param column 1-based column
     */
    record Location(int line, int column) {
    }

    /** The location of anything not otherwise located: the first character. */
    static final Location START = new Location(1, 1);

    private final Map<String, Location> locations;

    /** @param locations the location of every path, the document itself under {@code ""} */
    SourceMap(Map<String, Location> locations) {
        this.locations = Map.copyOf(locations);
    }

    /**
     * @param path a JSON pointer
     * @return its location, or that of its nearest located ancestor, or {@link #START}
     */
    Location find(String path) {
        String at = path == null ? "" : path;
        while (true) {
            Location location = locations.get(at);
            if (location != null) {
                return location;
            }
            if (at.isEmpty()) {
                return START;
            }
            at = Pointer.parent(at);
        }
    }

    /**
     * @param path a JSON pointer
     * @return whether the document has exactly that path
     */
    boolean has(String path) {
        return locations.containsKey(path);
    }

    /**
     * @param error a problem with a path in this document
     * @param file the source's name as reported
     * @return the same problem with file, line and column
     */
    PolicyException locate(PolicyException error, String file) {
        Location location = find(error.path());
        return error.at(file, location.line(), location.column());
    }
}
