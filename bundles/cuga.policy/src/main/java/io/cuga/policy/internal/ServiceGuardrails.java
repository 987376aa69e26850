package io.cuga.policy.internal;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import io.cuga.api.guardrail.Guardrail;

/**
 * The Guardrail services present now, by service id. For a type with several services the one with the highest
 * {@code service.ranking} (then the lowest id) compiles. Thread-safe: services come and go on any thread.
 */
final class ServiceGuardrails implements GuardrailCatalog {

    /** The order of a guardrail that declares none: after the built-in types. */
    static final int DEFAULT_ORDER = 1000;

    private record Registered(Provided provided, int ranking) {
    }

    private final Map<Long, Registered> byId = new ConcurrentHashMap<>();

    /**
     * @param provided a guardrail service
     * @param ranking its service ranking
     */
    void add(Provided provided, int ranking) {
        byId.put(provided.id(), new Registered(provided, ranking));
    }

    /** @param id the service id of a guardrail that went away */
    void remove(long id) {
        byId.remove(id);
    }

    /**
     * @param id a service id
     * @return whether that guardrail is still present
     */
    boolean present(long id) {
        return byId.containsKey(id);
    }

    @Override
    public Provided find(String type) {
        Registered best = null;
        for (Registered candidate : byId.values()) {
            if (!candidate.provided().type().equals(type)) {
                continue;
            }
            if (best == null || candidate.ranking() > best.ranking() || candidate.ranking() == best.ranking()
                && candidate.provided().id() < best.provided().id()) {
                best = candidate;
            }
        }
        return best == null ? null : best.provided();
    }

    @Override
    public Set<String> types() {
        Set<String> out = new TreeSet<>();
        for (Registered registered : byId.values()) {
            out.add(registered.provided().type());
        }
        return out;
    }

    @Override
    public String missing(String type) {
        return "guardrail type '" + type + "' is not installed (no Guardrail service with " + Guardrail.TYPE + "="
            + type + "): install its bundle";
    }

    /**
     * @param value a service property value
     * @return it as an int, or null when it is not a number
     */
    static Integer integer(Object value) {
        if (value instanceof Number number) {
            return number.intValue();
        }
        if (value instanceof String text) {
            try {
                return Integer.valueOf(text.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
