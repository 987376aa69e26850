package io.cuga.orchestrator.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;

/** Checks that a tool result is made of JSON-compatible values and not larger than allowed. */
final class JsonValues {

    private JsonValues() {
    }

    /**
     * @param value a tool result
     * @param maxValues the most values (containers and scalars) allowed
     * @return null when fine, else what is wrong
     */
    static String check(Object value, int maxValues) {
        Deque<Object> pending = new ArrayDeque<>();
        pending.push(value == null ? NULL : value);
        int seen = 0;
        while (!pending.isEmpty()) {
            Object v = pending.pop();
            if (++seen > maxValues) {
                return "more than " + maxValues + " values";
            }
            if (v == NULL || v instanceof String || v instanceof Boolean) {
                continue;
            }
            if (v instanceof Number) {
                if (v instanceof Double || v instanceof Float) {
                    double d = ((Number) v).doubleValue();
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        return "a number that JSON cannot carry (" + d + ")";
                    }
                }
                continue;
            }
            if (v instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    if (!(e.getKey() instanceof String)) {
                        return "a map key that is not a string";
                    }
                    pending.push(e.getValue() == null ? NULL : e.getValue());
                }
                continue;
            }
            if (v instanceof Collection) {
                for (Object o : (Collection<?>) v) {
                    pending.push(o == null ? NULL : o);
                }
                continue;
            }
            return "a value of type " + v.getClass().getName() + " that is not JSON";
        }
        return null;
    }

    private static final Object NULL = new Object();
}
