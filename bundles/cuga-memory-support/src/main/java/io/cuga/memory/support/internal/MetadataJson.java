package io.cuga.memory.support.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Entry metadata as JSON: what may be in it (strings, numbers, booleans, lists and maps of those; no null, no
 * other object, so no getter of an unknown class ever runs), its size as stored, and the text a metadata filter
 * compares with.
 */
public final class MetadataJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final int MAX_DEPTH = 16;

    private MetadataJson() {
    }

    /**
     * @param metadata the metadata
     * @return it as compact JSON
     * @throws IllegalArgumentException when a value is not JSON-like
     */
    public static String write(Map<String, Object> metadata) {
        check(metadata, "metadata", 0);
        try {
            return MAPPER.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("memory metadata cannot be written as JSON", e);
        }
    }

    /**
     * @param json JSON written by {@link #write}
     * @return the metadata, unmodifiable all the way down
     */
    public static Map<String, Object> read(String json) {
        try {
            return frozen(MAPPER.readValue(json, MAP));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored memory metadata is not JSON", e);
        }
    }

    /**
     * @param value a metadata value
     * @return the text a filter value is compared with: a string itself, a number or boolean as JSON writes it;
     *     null for lists and maps (which no filter matches)
     */
    public static String filterText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Number || value instanceof Boolean) {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * @param json some JSON
     * @return its size in UTF-8 bytes
     */
    public static int bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void check(Object value, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("memory metadata is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (value == null) {
            throw new IllegalArgumentException("memory metadata " + path + " is null; leave the key out instead");
        }
        if (value instanceof String s) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("memory metadata " + path + " contains a NUL character");
            }
            return;
        }
        if (value instanceof Boolean || value instanceof Integer || value instanceof Long || value instanceof Short
            || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal) {
            return;
        }
        if (value instanceof Double || value instanceof Float) {
            if (!Double.isFinite(((Number) value).doubleValue())) {
                throw new IllegalArgumentException("memory metadata " + path + " is not a finite number");
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key) || key.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("memory metadata " + path + " has a key that is not a string");
                }
                check(e.getValue(), path + "." + key, depth + 1);
            }
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                check(item, path + "[" + i++ + "]", depth + 1);
            }
            return;
        }
        throw new IllegalArgumentException("memory metadata " + path + " is a " + value.getClass().getSimpleName()
            + "; only strings, numbers, booleans, lists and maps are allowed");
    }

    @SuppressWarnings("unchecked")
    private static <T> T frozen(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, frozen(v)));
            return (T) Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(frozen(v)));
            return (T) Collections.unmodifiableList(copy);
        }
        return value;
    }
}
