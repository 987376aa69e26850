package io.cuga.policy.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A fixed catalog of guardrails for compiler tests. */
final class Catalogs implements GuardrailCatalog {

    private final Map<String, Provided> byType = new LinkedHashMap<>();

    static Catalogs of(FakeGuardrail... guardrails) {
        Catalogs out = new Catalogs();
        long id = 1;
        for (FakeGuardrail guardrail : guardrails) {
            out.byType.put(guardrail.type, new Provided(guardrail.type, guardrail, 100 * (int) id, id,
                "test " + guardrail.type));
            id++;
        }
        return out;
    }

    Catalogs order(String type, int order) {
        Provided p = byType.get(type);
        byType.put(type, new Provided(p.type(), p.guardrail(), order, p.id(), p.origin()));
        return this;
    }

    @Override
    public Provided find(String type) {
        return byType.get(type);
    }

    @Override
    public Set<String> types() {
        return new TreeSet<>(byType.keySet());
    }

    @Override
    public String missing(String type) {
        return "guardrail type '" + type + "' is not installed";
    }
}
