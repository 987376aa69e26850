package io.cuga.launcher.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The outcome of resolving the layers: each key's effective value with its layer and source (and what it
 * overrode), the problems found (unknown keys, wrong types, unreadable files), and the values above the
 * {@code .cfg} layer per PID, which the framework lays over each PID's ConfigAdmin configuration.
 */
public final class Resolved {

    /** One value from one source. {@code value} is a String or a List of Strings. */
    public record Entry(String key, Object value, Layer layer, String source) {

        /** The value as shown to a person: masked when the key names a secret. */
        public String shown(boolean secret) {
            if (secret && value != null && !String.valueOf(value).isEmpty() && !"[]".equals(String.valueOf(value))) {
                return "****";
            }
            if (value instanceof List<?> l) {
                return l.toString();
            }
            return value == null ? "" : value.toString();
        }

        /** Where it came from: "yaml /x/cuga.yaml:3", "environment CUGA__X", "default". */
        public String provenance() {
            return layer == Layer.DEFAULT ? "default" : layer.label() + " " + source;
        }
    }

    /**
     * Something wrong in a source, e.g. "cuga.yaml:3: cuga.store.bakend: unknown key". {@code layer} is
     * {@link Layer#CFG} for a problem in a {@code .cfg} file (FileInstall applies those files, not the overlay),
     * else null.
     */
    public record Problem(String source, String key, String message, Layer layer) {

        public Problem(String source, String key, String message) {
            this(source, key, message, null);
        }

        @Override
        public String toString() {
            return source + ": " + (key == null ? "" : key + ": ") + message;
        }
    }

    final Map<String, List<Entry>> chains = new TreeMap<>();
    final List<Problem> problems = new ArrayList<>();
    final Map<String, Map<String, Object>> overlay = new TreeMap<>();
    final Schema schema;

    Resolved(Schema schema) {
        this.schema = schema;
    }

    public List<Problem> problems() {
        return Collections.unmodifiableList(problems);
    }

    /** The effective entry of a key (an alias is accepted), or null when nothing sets it and it has no default. */
    public Entry get(String key) {
        List<Entry> chain = chains.get(Schema.canonical(key));
        return chain == null || chain.isEmpty() ? null : chain.get(chain.size() - 1);
    }

    /** Every source of a key, lowest precedence first; the last one is effective. */
    public List<Entry> chain(String key) {
        return chains.getOrDefault(Schema.canonical(key), List.of());
    }

    /** Every key with a value, sorted. */
    public List<String> keys() {
        return new ArrayList<>(chains.keySet());
    }

    /**
     * Whether a key's value is shown masked: its metatype type is Password, or its name says secret and its type
     * is not a number or a flag.
     */
    public boolean secret(String key) {
        Schema.Attr a = schema.attr(Schema.canonical(key));
        if (a != null && a.password()) {
            return true;
        }
        boolean plain = a != null && Set.of("boolean", "integer", "long", "short", "byte", "double", "float")
            .contains(a.type().toLowerCase(java.util.Locale.ROOT));
        return Schema.secretKey(key) && !plain;
    }

    /**
     * Per PID, the properties that layers above {@code .cfg} set (values are String or String[]), to be laid
     * over the PID's configuration.
     */
    public Map<String, Map<String, Object>> overlay() {
        Map<String, Map<String, Object>> copy = new TreeMap<>();
        overlay.forEach((pid, props) -> copy.put(pid, Collections.unmodifiableMap(new LinkedHashMap<>(props))));
        return copy;
    }

    /** One line per problem, for the start refusal and the log. */
    public String problemLines() {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            sb.append(sb.length() == 0 ? "" : "\n").append(p);
        }
        return sb.toString();
    }
}
