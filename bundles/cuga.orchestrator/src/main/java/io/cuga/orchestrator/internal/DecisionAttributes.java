package io.cuga.orchestrator.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * One guardrail's decision as a {@code tool.call.complete} event carries it, in its {@code guardrails} list:
 * {@code guardrail, verdict, rule, reason} and, when the chain timed it, {@code offsetNanos, durationNanos}, in
 * that order. An immutable map of those fixed keys over six fields: a call publishes one per guardrail (seven with
 * the default policy), and a general-purpose map cost a table and an entry object per key for each of them.
 */
final class DecisionAttributes extends AbstractMap<String, Object> {

    private static final String[] KEYS = {"guardrail", "verdict", "rule", "reason", "offsetNanos", "durationNanos"};

    /** the values of the first {@code values.length} keys */
    private final Object[] values;

    /**
     * @param guardrail the guardrail's name
     * @param verdict its verdict's name
     * @param rule the rule it applied, or an empty string
     * @param reason why, or an empty string
     * @param offsetNanos when it started, from the call's start, or null when it was not timed
     * @param durationNanos how long it took, or null when it was not timed
     */
    DecisionAttributes(String guardrail, String verdict, String rule, String reason, Long offsetNanos,
        Long durationNanos) {
        boolean timed = offsetNanos != null && durationNanos != null;
        this.values = timed ? new Object[] {guardrail, verdict, rule, reason, offsetNanos, durationNanos}
            : new Object[] {guardrail, verdict, rule, reason};
    }

    @Override
    public Object get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    private int indexOf(Object key) {
        for (int i = 0; i < values.length; i++) {
            if (KEYS[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < values.length;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= values.length) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(KEYS[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return values.length;
            }
        };
    }
}
