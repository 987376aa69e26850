package io.cuga.guardrail.redaction.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tiny builders for policy sections as the loader delivers them (JSON-compatible values). */
final class Yaml {

    private Yaml() {
    }

    /** @return a mutable ordered map from alternating keys and values */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** @return a mutable list (may hold nulls) */
    static List<Object> list(Object... items) {
        List<Object> l = new ArrayList<>();
        for (Object o : items) {
            l.add(o);
        }
        return l;
    }
}
