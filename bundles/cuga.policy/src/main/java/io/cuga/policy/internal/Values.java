package io.cuga.policy.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers for JSON-compatible values: deep merge, deep freeze, names of kinds for messages. */
final class Values {

    private Values() {
    }

    /**
     * The {@code extends} merge: maps merge key by key (recursively), anything else in the child replaces the
     * parent's value. Neither argument is modified.
     *
     * @param parent the parent's value
     * @param child the child's value
     * @return the merged value, unmodifiable
     */
    static Object merge(Object parent, Object child) {
        if (parent instanceof Map<?, ?> p && child instanceof Map<?, ?> c) {
            Map<String, Object> out = new LinkedHashMap<>();
            p.forEach((k, v) -> out.put(String.valueOf(k), v));
            c.forEach((k, v) -> {
                String key = String.valueOf(k);
                out.put(key, out.containsKey(key) ? merge(out.get(key), v) : v);
            });
            return freeze(out);
        }
        return freeze(child);
    }

    /**
     * @param value a JSON-compatible value
     * @return a deep copy with unmodifiable maps (insertion order kept) and lists
     */
    static Object freeze(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), freeze(v)));
            return Collections.unmodifiableMap(out);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(freeze(item));
            }
            return Collections.unmodifiableList(out);
        }
        return value;
    }

    /**
     * @param value a map value
     * @return it as an unmodifiable map of strings (nulls become empty)
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) freeze(value);
    }

    /**
     * @param value a JSON-compatible value
     * @return what kind of value it is, for messages ({@code a string}, {@code a list}, ...)
     */
    static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof Number) {
            return "a number";
        }
        return value.getClass().getSimpleName();
    }
}
