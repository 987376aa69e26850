package io.cuga.events.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.cuga.api.event.Event;

/**
 * Replaces the values of sensitive attribute keys by {@value #REDACTED}, in the attributes of an event and in
 * every map and list nested in them. A key is sensitive when, lower-cased and with {@code _ - .} and spaces
 * removed, it ends with one of the configured keys (normalised the same way): {@code api_key} catches
 * {@code api_key}, {@code apiKey}, {@code X-Api-Key} and {@code openai_api_key}. An event without anything to
 * redact is returned as it is (no copy); otherwise the maps and lists on the way to a redacted value are copied
 * and the rest is shared. Immutable and thread-safe.
 */
final class Redactor {

    /** What a sensitive value becomes. */
    static final String REDACTED = "[REDACTED]";

    /** The keys redacted when nothing is configured. */
    static final List<String> DEFAULT_KEYS = List.of("password", "passwd", "secret", "token", "api_key", "apikey",
        "authorization", "cookie", "private_key", "access_key", "client_secret");

    /** Nesting deeper than this is replaced whole: a cycle or a pathological value cannot overflow the stack. */
    static final int MAX_DEPTH = 32;

    private static final int CACHE_LIMIT = 4096;

    private final String[] suffixes;
    private final List<String> keys;
    private final Map<String, Boolean> verdicts = new ConcurrentHashMap<>();

    /** @param keys the sensitive keys; blank entries are ignored */
    Redactor(Collection<String> keys) {
        Set<String> normalised = new LinkedHashSet<>();
        List<String> kept = new ArrayList<>();
        for (String key : keys) {
            if (key == null) {
                continue;
            }
            String n = normalise(key);
            if (!n.isEmpty() && normalised.add(n)) {
                kept.add(key.trim());
            }
        }
        this.suffixes = normalised.toArray(new String[0]);
        this.keys = List.copyOf(kept);
    }

    /** @return the configured keys, as given */
    List<String> keys() {
        return keys;
    }

    /**
     * @param key an attribute key
     * @return whether its value is redacted
     */
    boolean sensitive(String key) {
        Boolean known = verdicts.get(key);
        if (known != null) {
            return known;
        }
        String n = normalise(key);
        boolean sensitive = false;
        for (String suffix : suffixes) {
            if (n.endsWith(suffix)) {
                sensitive = true;
                break;
            }
        }
        if (verdicts.size() < CACHE_LIMIT) {
            verdicts.put(key, sensitive);
        }
        return sensitive;
    }

    /**
     * @param event an event
     * @return the same event when nothing in it is sensitive, else a copy with the sensitive values replaced
     */
    Event redact(Event event) {
        Map<String, Object> attributes = event.attributes();
        if (attributes.isEmpty() || suffixes.length == 0) {
            return event;
        }
        Map<String, Object> redacted = map(attributes, 0);
        return redacted == attributes ? event : new Event(event.type(), event.time(), event.traceId(),
            event.profile(), event.session(), event.status(), event.durationNanos(), redacted);
    }

    /** @return the value with everything sensitive below it redacted; the same object when nothing was */
    private Object value(Object value, int depth) {
        if (value instanceof Map<?, ?> m) {
            return depth >= MAX_DEPTH ? REDACTED : map(m, depth + 1);
        }
        if (value instanceof Collection<?> c) {
            return depth >= MAX_DEPTH ? REDACTED : list(c, depth + 1);
        }
        if (value instanceof Object[] array) {
            return depth >= MAX_DEPTH ? REDACTED : list(java.util.Arrays.asList(array), depth + 1);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private <K> Map<K, Object> map(Map<K, ?> map, int depth) {
        Map<K, Object> copy = null;
        for (Map.Entry<K, ?> entry : map.entrySet()) {
            Object before = entry.getValue();
            Object after = entry.getKey() != null && sensitive(String.valueOf(entry.getKey())) ? REDACTED
                : value(before, depth);
            if (after != before && copy == null) {
                copy = new LinkedHashMap<>(map);
            }
            if (copy != null) {
                copy.put(entry.getKey(), after);
            }
        }
        return copy == null ? (Map<K, Object>) map : java.util.Collections.unmodifiableMap(copy);
    }

    private Object list(Collection<?> list, int depth) {
        List<Object> copy = null;
        int i = 0;
        for (Object before : list) {
            Object after = value(before, depth);
            if (after != before && copy == null) {
                copy = new ArrayList<>(list);
            }
            if (copy != null) {
                copy.set(i, after);
            }
            i++;
        }
        return copy == null ? list : java.util.Collections.unmodifiableList(copy);
    }

    /**
     * @param key a key
     * @return lower case without {@code _ - .} and white space
     */
    static String normalise(String key) {
        StringBuilder out = null;
        int n = key.length();
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            boolean drop = c == '_' || c == '-' || c == '.' || Character.isWhitespace(c);
            char lower = Character.toLowerCase(c);
            if (out == null && (drop || lower != c)) {
                out = new StringBuilder(n).append(key, 0, i);
            }
            if (out != null && !drop) {
                out.append(lower);
            }
        }
        return out == null ? key : out.toString().toLowerCase(Locale.ROOT);
    }
}
