package io.cuga.guardrail.redaction;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.cuga.api.guardrail.Redactor;

/**
 * A {@link Redactor} by key names. A key is secret when it equals one of the names ignoring case, with
 * {@code -} and {@code _} taken as the same character ({@code API-Key} matches {@code api_key}); the match is
 * on the whole key, so {@code tokens} does not match {@code token}. Values under a secret key are masked
 * whatever they are (a nested object too); everything else is copied, recursively. Immutable and thread-safe.
 */
public final class KeyRedactor implements Redactor {

    /** The keys redacted when a policy does not list its own. */
    public static final List<String> DEFAULT_KEYS = List.of("password", "passwd", "secret", "token", "api_key", "apikey",
        "authorization", "cookie", "private_key", "access_key", "client_secret");

    /** Nesting beyond this depth is masked as a whole: no stack overflow on deep or cyclic values. */
    static final int MAX_DEPTH = 256;

    private static final KeyRedactor DEFAULTS = new KeyRedactor(DEFAULT_KEYS);

    private final Set<String> keys;

    private KeyRedactor(Collection<String> names) {
        Set<String> normalized = new LinkedHashSet<>();
        for (String name : names) {
            normalized.add(normalize(name));
        }
        this.keys = Collections.unmodifiableSet(normalized);
    }

    /**
     * @param names the secret key names
     * @return a redactor of those keys
     */
    public static KeyRedactor of(Collection<String> names) {
        return new KeyRedactor(names);
    }

    /** @return the redactor of {@link #DEFAULT_KEYS} */
    public static KeyRedactor defaults() {
        return DEFAULTS;
    }

    /** @return the secret key names, normalized (lower case, {@code -} as {@code _}), in their first order */
    public Set<String> keys() {
        return keys;
    }

    /**
     * @param name a key name
     * @return its normalized form: lower case, {@code -} as {@code _}
     */
    public static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public boolean isSecret(String key) {
        return key != null && keys.contains(normalize(key));
    }

    @Override
    public Object redact(Object value) {
        return redact(value, 0);
    }

    private Object redact(Object value, int depth) {
        if (value instanceof Map) {
            if (depth >= MAX_DEPTH) {
                return MASK;
            }
            Map<?, ?> map = (Map<?, ?>) value;
            Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
            for (Map.Entry<?, ?> e : map.entrySet()) {
                Object key = e.getKey();
                out.put(key, isSecret(key == null ? null : key.toString()) ? MASK : redact(e.getValue(), depth + 1));
            }
            return out;
        }
        if (value instanceof Collection) {
            if (depth >= MAX_DEPTH) {
                return MASK;
            }
            Collection<?> list = (Collection<?>) value;
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(redact(item, depth + 1));
            }
            return out;
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRedactor && ((KeyRedactor) o).keys.equals(keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    @Override
    public String toString() {
        return "KeyRedactor" + keys;
    }
}
