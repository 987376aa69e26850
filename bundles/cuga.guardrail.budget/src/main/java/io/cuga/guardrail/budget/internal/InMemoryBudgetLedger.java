package io.cuga.guardrail.budget.internal;

import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.BudgetLedger.BudgetKey;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The ledger in memory: one entry per key, each with its own lock, so operations on one key are atomic and
 * different keys never wait for each other. Used outside the server only (the offline policy check, the
 * benchmarks, unit tests): in the server the guardrail counts in the store's ledger.
 *
 * <p>Session and task entries that hold no reservation and were not touched for {@link #IDLE_MILLIS} are
 * dropped, swept by the caller that creates every {@link #SWEEP_EVERY}th new key (no thread of its own): a
 * session or task that comes back after that starts from zero, as a new session would. Profile entries are
 * kept.
 */
final class InMemoryBudgetLedger implements BudgetLedger {

    static final long IDLE_MILLIS = TimeUnit.HOURS.toMillis(24);
    static final int SWEEP_EVERY = 4096;

    private static final class Entry {
        long spent;
        long reserved;
        long exceedances;
        long touched;
        boolean retired;
    }

    private final Map<BudgetKey, Entry> entries = new ConcurrentHashMap<>();
    private final LongSupplier millis;
    private final AtomicLong created = new AtomicLong();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    InMemoryBudgetLedger(LongSupplier millis) {
        this.millis = millis;
    }

    @Override
    public Reservation reserve(BudgetKey key, long amount, long ceiling, long allowedExceedances) {
        while (true) {
            Entry e = entry(key);
            synchronized (e) {
                if (e.retired) {
                    continue;
                }
                e.touched = millis.getAsLong();
                long used = e.spent + e.reserved;
                Admission admission = Admission.decide(used, e.exceedances, amount, ceiling, allowedExceedances);
                if (admission != Admission.REFUSED) {
                    e.reserved += amount;
                    used += amount;
                }
                if (admission == Admission.OVER) {
                    e.exceedances++;
                }
                return new Reservation(key, amount, admission, used, e.exceedances);
            }
        }
    }

    @Override
    public void settle(Reservation reservation, long actual) {
        change(reservation, actual);
    }

    @Override
    public void release(Reservation reservation) {
        change(reservation, 0);
    }

    private void change(Reservation r, long spent) {
        if (r.admission() == Admission.REFUSED) {
            return;
        }
        Entry e = entries.get(r.key()); // never evicted while it holds a reservation
        if (e == null) {
            return;
        }
        synchronized (e) {
            e.reserved = Math.max(0, e.reserved - r.amount());
            e.spent += spent;
            e.touched = millis.getAsLong();
        }
    }

    @Override
    public Balance balance(BudgetKey key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Balance.ZERO;
        }
        synchronized (e) {
            return e.retired ? Balance.ZERO : new Balance(e.spent, e.reserved, e.exceedances);
        }
    }

    private Entry entry(BudgetKey key) {
        Entry e = entries.get(key);
        if (e != null && !e.retired) {
            return e;
        }
        if (e == null && created.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep();
        }
        return entries.compute(key, (k, old) -> old == null || old.retired ? new Entry() : old);
    }

    /** Drops idle session and task entries that hold no reservation. One sweep at a time. */
    void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            long cutoff = millis.getAsLong() - IDLE_MILLIS;
            entries.entrySet().removeIf(en -> {
                if ("profile".equals(en.getKey().scope())) {
                    return false;
                }
                Entry e = en.getValue();
                synchronized (e) {
                    if (e.reserved == 0 && e.touched <= cutoff) {
                        e.retired = true;
                    }
                    return e.retired;
                }
            });
        } finally {
            sweeping.set(false);
        }
    }

    int size() {
        return entries.size();
    }
}
