package io.cuga.memory.inmemory.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryHit;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.memory.support.internal.Limits;
import io.cuga.memory.support.internal.Limits.Prepared;
import io.cuga.memory.support.internal.Limits.PreparedQuery;
import io.cuga.memory.support.internal.MetadataJson;
import io.cuga.memory.support.internal.Pruner;
import io.cuga.memory.support.internal.Retention;
import io.cuga.memory.support.internal.Vectors;

/**
 * The in-memory backend ({@code memory}): entries in the heap, gone on restart. One read-write lock guards
 * everything, so a put (replace, then cut the scope back to its newest {@code max.entries.per.scope}, then cut the
 * whole store back under {@code max.entries.total} and {@code max.bytes.total} by dropping the oldest entries of
 * any scope) is atomic and searches run side by side. Search ranks by term frequency (the number of times the
 * query's words occur in the entry), newest first on ties.
 */
@Component(service = MemoryStore.class, configurationPid = InMemoryMemoryStore.PID,
    property = MemoryStore.BACKEND + "=" + InMemoryMemoryStore.BACKEND_NAME)
@Designate(ocd = InMemoryMemoryStore.Config.class)
public final class InMemoryMemoryStore implements MemoryStore {

    /** The configuration PID. */
    static final String PID = "cuga.memory.inmemory";
    /** The backend's name. */
    static final String BACKEND_NAME = "memory";

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryMemoryStore.class);

    /** How much is kept. */
    @ObjectClassDefinition(name = "cuga memory: in-memory backend",
        description = "Agent memory in the server's heap (lost on restart), bounded per scope, by age and overall.")
    public @interface Config {

        /** @return entries kept per scope */
        @AttributeDefinition(name = "Entries per scope",
            description = "The newest this many entries of a scope (profile + session) are kept; a put beyond it "
                + "drops the oldest.")
        int max_entries_per_scope() default 1000;

        /** @return the maximum age in days */
        @AttributeDefinition(name = "Maximum age (days)",
            description = "Older entries are never returned and are dropped by the periodic prune. 0 keeps them.")
        int max_age_days() default 30;

        /** @return the prune interval */
        @AttributeDefinition(name = "Prune interval (s)",
            description = "How often entries past the maximum age are dropped. 0 never (they are still hidden).")
        long prune_interval_seconds() default 600;

        /** @return the most entries overall */
        @AttributeDefinition(name = "Entries overall",
            description = "The most entries of all scopes together; beyond it the oldest entries of any scope go.")
        int max_entries_total() default 100_000;

        /** @return the most bytes overall */
        @AttributeDefinition(name = "Bytes overall",
            description = "About how much heap all entries together may take (text, metadata, embeddings); beyond "
                + "it the oldest entries of any scope go.")
        long max_bytes_total() default 64L * 1024 * 1024;
    }

    /**
     * @param retention per scope and by age
     * @param maxEntriesTotal the most entries overall
     * @param maxBytesTotal the most (estimated) bytes overall
     */
    record Settings(Retention retention, int maxEntriesTotal, long maxBytesTotal) {
        Settings {
            if (maxEntriesTotal < 1 || maxBytesTotal < 1) {
                throw new IllegalArgumentException("max.entries.total and max.bytes.total must be at least 1");
            }
        }

        static Settings of(Config c) {
            return new Settings(Retention.of(c.max_entries_per_scope(), c.max_age_days(), c.prune_interval_seconds()),
                c.max_entries_total(), c.max_bytes_total());
        }
    }

    /** An entry as held: with its word counts, order and size. */
    private static final class Stored {
        final MemoryEntry entry;
        final Map<String, Integer> words = new HashMap<>();
        final long micros;
        final long seq;
        final long bytes;

        Stored(Prepared p, long seq) {
            this.entry = p.entry();
            p.words().forEach(w -> words.merge(w, 1, Integer::sum));
            this.micros = p.createdMicros();
            this.seq = seq;
            this.bytes = p.bytes();
        }
    }

    /** Oldest first; the sequence number makes entries of the same microsecond distinct. */
    private static final Comparator<Stored> OLDEST_FIRST = Comparator.<Stored>comparingLong(s -> s.micros)
        .thenComparingLong(s -> s.seq);

    private static final Comparator<MemoryHit> BEST_FIRST = Comparator.comparingDouble(MemoryHit::score).reversed()
        .thenComparing(h -> h.entry().createdAt(), Comparator.reverseOrder());

    /** One scope's entries. */
    private static final class Scope {
        final Map<String, Stored> byId = new HashMap<>();
        final TreeSet<Stored> byAge = new TreeSet<>(OLDEST_FIRST);
    }

    private final Clock clock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<MemoryScope, Scope> scopes = new HashMap<>();
    private final TreeSet<Stored> all = new TreeSet<>(OLDEST_FIRST);
    private volatile Settings settings;
    private long seq;
    private long bytes;
    private Pruner pruner;

    /**
     * @param config the configuration
     */
    @Activate
    public InMemoryMemoryStore(Config config) {
        this(Settings.of(config), Clock.systemUTC());
        pruner = Pruner.start(BACKEND_NAME, settings.retention().pruneInterval(), this::prune);
        LOG.info("Memory (in-memory): {} entries per scope, {} days, at most {} entries / {} bytes overall",
            settings.retention().maxEntriesPerScope(), settings.retention().maxAge().toDays(),
            settings.maxEntriesTotal(), settings.maxBytesTotal());
    }

    /**
     * @param settings what is kept
     * @param clock the time of new entries and of the age limit
     */
    InMemoryMemoryStore(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Applies new limits in place (the entries stay): the bounds are enforced at once, the prune restarts.
     *
     * @param config the configuration
     */
    @Modified
    void modified(Config config) {
        Settings next = Settings.of(config);
        reconfigure(next);
        if (pruner != null) {
            pruner.close();
        }
        pruner = Pruner.start(BACKEND_NAME, next.retention().pruneInterval(), this::prune);
    }

    /** Stops the periodic prune. */
    @Deactivate
    void deactivate() {
        if (pruner != null) {
            pruner.close();
        }
    }

    /**
     * @param next the new limits, enforced at once
     */
    void reconfigure(Settings next) {
        lock.writeLock().lock();
        try {
            settings = next;
            for (Scope s : List.copyOf(scopes.values())) {
                while (s.byAge.size() > next.retention().maxEntriesPerScope()) {
                    remove(s.byAge.first());
                }
            }
            trimGlobal();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public MemoryEntry put(MemoryEntry entry) {
        Prepared p = Limits.prepare(entry, clock);
        lock.writeLock().lock();
        try {
            MemoryScope key = p.entry().scope();
            Scope scope = scopes.computeIfAbsent(key, k -> new Scope());
            Stored old = scope.byId.get(p.entry().id());
            if (old != null) {
                remove(old);
                scope = scopes.computeIfAbsent(key, k -> new Scope());
            }
            Stored s = new Stored(p, ++seq);
            scope.byId.put(s.entry.id(), s);
            scope.byAge.add(s);
            all.add(s);
            bytes += s.bytes;
            while (scope.byAge.size() > settings.retention().maxEntriesPerScope()) {
                remove(scope.byAge.first());
            }
            trimGlobal();
            return p.entry();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public Optional<MemoryEntry> get(MemoryScope scope, String id) {
        Limits.check(scope);
        Limits.checkId(id);
        long cutoff = cutoff();
        lock.readLock().lock();
        try {
            Scope s = scopes.get(scope);
            Stored stored = s == null ? null : s.byId.get(id);
            return stored == null || stored.micros < cutoff ? Optional.empty() : Optional.of(stored.entry);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<MemoryHit> search(MemoryScope scope, MemoryQuery query) {
        Limits.check(scope);
        PreparedQuery q = Limits.prepare(query);
        long cutoff = cutoff();
        List<Stored> candidates = new ArrayList<>();
        lock.readLock().lock();
        try {
            collect(scopes.get(scope), cutoff, candidates);
            if (!scope.session().isEmpty() && q.includeProfileWide()) {
                collect(scopes.get(new MemoryScope(scope.profile(), "")), cutoff, candidates);
            }
        } finally {
            lock.readLock().unlock();
        }
        List<MemoryHit> hits = new ArrayList<>();
        for (Stored s : candidates) {
            if (!matches(s.entry.metadata(), q.metadata())) {
                continue;
            }
            if (!q.words().isEmpty()) {
                int score = 0;
                for (String w : q.words()) {
                    int n = s.words.getOrDefault(w, 0);
                    if (n == 0) {
                        score = -1;
                        break;
                    }
                    score += n;
                }
                if (score > 0) {
                    hits.add(new MemoryHit(s.entry, score));
                }
            } else if (q.embedding() != null) {
                if (s.entry.embedding() != null) {
                    double score = Vectors.cosine(q.embedding(), s.entry.embedding());
                    if (!Double.isNaN(score)) {
                        hits.add(new MemoryHit(s.entry, score));
                    }
                }
            } else {
                hits.add(new MemoryHit(s.entry, 0));
            }
        }
        hits.sort(BEST_FIRST);
        return List.copyOf(hits.subList(0, Math.min(q.limit(), hits.size())));
    }

    @Override
    public boolean delete(MemoryScope scope, String id) {
        Limits.check(scope);
        Limits.checkId(id);
        lock.writeLock().lock();
        try {
            Scope s = scopes.get(scope);
            Stored stored = s == null ? null : s.byId.get(id);
            if (stored == null) {
                return false;
            }
            remove(stored);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int clear(MemoryScope scope) {
        Limits.check(scope);
        lock.writeLock().lock();
        try {
            Scope s = scopes.get(scope);
            if (s == null) {
                return 0;
            }
            List<Stored> gone = List.copyOf(s.byAge);
            gone.forEach(this::remove);
            return gone.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long count(MemoryScope scope) {
        Limits.check(scope);
        long cutoff = cutoff();
        lock.readLock().lock();
        try {
            Scope s = scopes.get(scope);
            if (s == null) {
                return 0;
            }
            return s.byAge.stream().filter(e -> e.micros >= cutoff).count();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Drops every entry older than {@code max.age.days}, in every scope.
     *
     * @return how many were dropped
     */
    int prune() {
        if (settings.retention().maxAge().isZero()) {
            return 0;
        }
        long cutoff = cutoff();
        lock.writeLock().lock();
        try {
            int n = 0;
            while (!all.isEmpty() && all.first().micros < cutoff) {
                remove(all.first());
                n++;
            }
            return n;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** @return how many entries are held overall (expired ones not yet pruned included) */
    int size() {
        lock.readLock().lock();
        try {
            return all.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @return about how many bytes the entries take */
    long bytes() {
        lock.readLock().lock();
        try {
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    private long cutoff() {
        return settings.retention().cutoffMicros(clock.instant());
    }

    private static void collect(Scope s, long cutoff, List<Stored> into) {
        if (s == null) {
            return;
        }
        for (Stored e : s.byAge.descendingSet()) {
            if (e.micros < cutoff) {
                break;
            }
            into.add(e);
        }
    }

    private static boolean matches(Map<String, Object> metadata, Map<String, String> filters) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            if (!f.getValue().equals(MetadataJson.filterText(metadata.get(f.getKey())))) {
                return false;
            }
        }
        return true;
    }

    /** Under the write lock: keeps the whole store within its global bounds, oldest entries of any scope first. */
    private void trimGlobal() {
        Settings s = settings;
        Iterator<Stored> oldest = all.iterator();
        while ((all.size() > s.maxEntriesTotal() || bytes > s.maxBytesTotal()) && oldest.hasNext()) {
            Stored victim = oldest.next();
            oldest.remove();
            removeFromScope(victim);
        }
    }

    /** Under the write lock. */
    private void remove(Stored s) {
        all.remove(s);
        removeFromScope(s);
    }

    private void removeFromScope(Stored s) {
        bytes -= s.bytes;
        MemoryScope key = s.entry.scope();
        Scope scope = scopes.get(key);
        if (scope != null) {
            scope.byId.remove(s.entry.id());
            scope.byAge.remove(s);
            if (scope.byId.isEmpty()) {
                scopes.remove(key);
            }
        }
    }
}
