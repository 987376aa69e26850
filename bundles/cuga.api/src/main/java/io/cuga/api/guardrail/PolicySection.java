package io.cuga.api.guardrail;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.policy.PolicyException;

/**
 * Reads one object of a guardrail's policy section (JSON-compatible values) with typed getters, for
 * {@link Guardrail#compile(Map, String)}. Every error is a {@link PolicyException} whose path is a JSON pointer
 * relative to the section, which the policy loader turns into a file, line and column.
 *
 * <pre>
 * PolicySection root = PolicySection.root(section).only("tiers", "timeout_seconds");
 * List&lt;String&gt; tiers = root.strings("tiers", List.of("DELETE", "FINANCIAL"));
 * </pre>
 */
public final class PolicySection {

    private final Map<String, Object> values;
    private final String path;

    private PolicySection(Map<String, Object> values, String path) {
        this.values = values;
        this.path = path;
    }

    /** @return the section itself (path ""), empty when absent */
    public static PolicySection root(Map<String, Object> section) {
        return new PolicySection(section == null ? Map.of() : section, "");
    }

    /** @return this object's JSON pointer */
    public String path() {
        return path;
    }

    /** @return the JSON pointer of a key of this object */
    public String path(String key) {
        return path + "/" + escape(key);
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    /** Refuses any key not in {@code allowed}. */
    public PolicySection only(String... allowed) throws PolicyException {
        List<String> known = Arrays.asList(allowed);
        for (Object key : values.keySet()) {
            if (!known.contains(key)) {
                throw new PolicyException(path(String.valueOf(key)),
                    "unknown key '" + key + "'; expected one of " + String.join(", ", known));
            }
        }
        return this;
    }

    /** @return the string, or {@code fallback} when absent; required when the fallback is null */
    public String string(String key, String fallback) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new PolicyException(path(key), "required: " + key);
            }
            return fallback;
        }
        if (!(v instanceof String) || ((String) v).isBlank()) {
            throw new PolicyException(path(key), key + " must be a non-empty string, not " + describe(v));
        }
        return (String) v;
    }

    /** @return the list of non-empty strings, or {@code fallback} when absent */
    public List<String> strings(String key, List<String> fallback) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof List)) {
            throw new PolicyException(path(key), key + " must be a list of strings, not " + describe(v));
        }
        List<String> out = new ArrayList<>();
        List<?> list = (List<?>) v;
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (!(item instanceof String) || ((String) item).isBlank()) {
                throw new PolicyException(path(key) + "/" + i,
                    key + " entries must be non-empty strings, not " + describe(item));
            }
            out.add((String) item);
        }
        return List.copyOf(out);
    }

    /** @return the number, or {@code fallback} when absent (required when null); within [min, max] */
    public BigDecimal number(String key, BigDecimal fallback, BigDecimal min, BigDecimal max) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new PolicyException(path(key), "required: " + key);
            }
            return fallback;
        }
        BigDecimal n = decimal(v);
        if (n == null) {
            throw new PolicyException(path(key), key + " must be a number, not " + describe(v));
        }
        if ((min != null && n.compareTo(min) < 0) || (max != null && n.compareTo(max) > 0)) {
            throw new PolicyException(path(key), key + " must be " + range(min, max) + ", not " + n.toPlainString());
        }
        return n;
    }

    /** @return the whole number, or {@code fallback} when absent (required when null); within [min, max] */
    public long integer(String key, Long fallback, long min, long max) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new PolicyException(path(key), "required: " + key);
            }
            return fallback;
        }
        BigDecimal n = decimal(v);
        if (n == null || n.stripTrailingZeros().scale() > 0) {
            throw new PolicyException(path(key),
                key + " must be a whole number, not " + (n == null ? describe(v) : n.toPlainString()));
        }
        if (n.compareTo(BigDecimal.valueOf(min)) < 0 || n.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new PolicyException(path(key),
                key + " must be " + range(BigDecimal.valueOf(min), BigDecimal.valueOf(max)) + ", not " + n.toPlainString());
        }
        return n.longValueExact();
    }

    /** @return the nested object, or an empty one at that path when absent */
    public PolicySection object(String key) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            return new PolicySection(Map.of(), path(key));
        }
        return new PolicySection(asMap(v, path(key), key), path(key));
    }

    /** @return the nested object's raw entries in document order, empty when absent */
    public Map<String, Object> entries() {
        return new LinkedHashMap<>(values);
    }

    /** @return the list of objects, or an empty list when absent */
    public List<PolicySection> objects(String key) throws PolicyException {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new PolicyException(path(key), key + " must be a list of objects, not " + describe(v));
        }
        List<PolicySection> out = new ArrayList<>();
        List<?> list = (List<?>) v;
        for (int i = 0; i < list.size(); i++) {
            String at = path(key) + "/" + i;
            out.add(new PolicySection(asMap(list.get(i), at, key + " entries"), at));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object v, String at, String what) throws PolicyException {
        if (!(v instanceof Map)) {
            throw new PolicyException(at, what + " must be an object, not " + describe(v));
        }
        for (Object k : ((Map<?, ?>) v).keySet()) {
            if (!(k instanceof String)) {
                throw new PolicyException(at, what + " must have string keys, not " + describe(k));
            }
        }
        return (Map<String, Object>) v;
    }

    private static BigDecimal decimal(Object v) {
        if (v instanceof BigDecimal) {
            return (BigDecimal) v;
        }
        if (v instanceof BigInteger) {
            return new BigDecimal((BigInteger) v);
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigDecimal.valueOf(((Number) v).longValue());
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
        }
        return null;
    }

    private static String range(BigDecimal min, BigDecimal max) {
        if (min != null && max != null) {
            return "between " + min.toPlainString() + " and " + max.toPlainString();
        }
        return min != null ? "at least " + min.toPlainString() : "at most " + max.toPlainString();
    }

    /** @return a short description of a value's JSON type, for error messages */
    public static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return ((String) v).isBlank() ? "an empty string" : "a string";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Map) {
            return "an object";
        }
        return "a " + v.getClass().getSimpleName();
    }

    /** @return a JSON-pointer token for a key */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
