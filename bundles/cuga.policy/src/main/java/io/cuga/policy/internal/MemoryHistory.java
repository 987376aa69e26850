package io.cuga.policy.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.cuga.api.policy.PolicyAdmin;

/** History in memory: the last {@code limit} activations per profile; lost on restart. */
final class MemoryHistory implements PolicyHistory {

    private record Entry(PolicyAdmin.Revision revision, byte[] document) {
    }

    private final Map<String, Deque<Entry>> entries = new HashMap<>();
    private final Map<String, Long> lastVersions = new HashMap<>();
    private volatile int limit;

    /** @param limit how many activations to keep per profile, at least 1 */
    MemoryHistory(int limit) {
        setLimit(limit);
    }

    /** @param limit how many activations to keep per profile, at least 1; applies at the next record */
    void setLimit(int limit) {
        this.limit = Math.max(1, limit);
    }

    @Override
    public synchronized void record(PolicyAdmin.Revision revision, byte[] document) {
        Deque<Entry> list = entries.computeIfAbsent(revision.profile(), p -> new ArrayDeque<>());
        list.addFirst(new Entry(revision, document.clone()));
        while (list.size() > limit) {
            list.removeLast();
        }
        lastVersions.merge(revision.profile(), revision.version(), Math::max);
    }

    @Override
    public synchronized List<PolicyAdmin.Revision> list(String profile) {
        Deque<Entry> list = entries.get(profile);
        if (list == null) {
            return List.of();
        }
        List<PolicyAdmin.Revision> out = new ArrayList<>(list.size());
        for (Entry entry : list) {
            out.add(entry.revision());
        }
        return out;
    }

    @Override
    public synchronized byte[] document(String profile, long version) {
        Deque<Entry> list = entries.get(profile);
        if (list == null) {
            return null;
        }
        for (Iterator<Entry> it = list.iterator(); it.hasNext();) {
            Entry entry = it.next();
            if (entry.revision().version() == version) {
                return entry.document().clone();
            }
        }
        return null;
    }

    @Override
    public synchronized long lastVersion(String profile) {
        return lastVersions.getOrDefault(profile, 0L);
    }

    @Override
    public synchronized List<String> profiles() {
        return new ArrayList<>(new TreeSet<>(entries.keySet()));
    }
}
