package io.cuga.guardrail.budget.internal;

import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.BudgetLedger.BudgetKey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.cuga.api.store.BudgetLedger.Admission;
import io.cuga.api.store.BudgetLedger.Reservation;

/** The ledger's atomicity under contention: threads hammering one key in tight loops. */
class InMemoryBudgetLedgerTest {

    private final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(System::currentTimeMillis);
    private final BudgetKey key = new BudgetKey("p", "calls", "session", "s");

    @Test
    void tightLoopsOnOneKeyNeverPassTheCeiling() throws Exception {
        int threads = 4;
        int attempts = 200_000;
        long ceiling = 500_000 * Units.ONE;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int admitted = 0;
                    for (int i = 0; i < attempts; i++) {
                        if (ledger.reserve(key, Units.ONE, ceiling, 0).admission() == Admission.ADMITTED) {
                            admitted++;
                        }
                    }
                    return admitted;
                }));
            }
            int admitted = 0;
            for (Future<Integer> f : results) {
                admitted += f.get();
            }
            assertThat(admitted).isEqualTo(500_000);
            assertThat(ledger.balance(key).reserved()).isEqualTo(ceiling);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reserveSettleAndReleaseInterleavedKeepTheBooksExact() throws Exception {
        int threads = 4;
        int rounds = 100_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int settled = 0;
                    for (int i = 0; i < rounds; i++) {
                        Reservation r = ledger.reserve(key, 3, Long.MAX_VALUE / 4, 0);
                        if (i % 2 == 0) {
                            ledger.settle(r, 2);
                            settled++;
                        } else {
                            ledger.release(r);
                        }
                    }
                    return settled;
                }));
            }
            long settled = 0;
            for (Future<Integer> f : results) {
                settled += f.get();
            }
            assertThat(ledger.balance(key)).isEqualTo(new BudgetLedger.Balance(settled * 2, 0, 0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theBoundaryRule() {
        assertThat(Admission.decide(49, 0, 1, 50, 0)).isEqualTo(Admission.ADMITTED);
        assertThat(Admission.decide(50, 0, 1, 50, 0)).isEqualTo(Admission.REFUSED);
        assertThat(Admission.decide(49, 0, 0, 50, 0)).isEqualTo(Admission.ADMITTED);
        assertThat(Admission.decide(50, 0, 0, 50, 0)).isEqualTo(Admission.REFUSED);
        assertThat(Admission.decide(48, 0, 3, 50, 0)).isEqualTo(Admission.REFUSED);
        assertThat(Admission.decide(50, 0, 1, 50, 2)).isEqualTo(Admission.OVER);
        assertThat(Admission.decide(50, 1, 1, 50, 2)).isEqualTo(Admission.OVER);
        assertThat(Admission.decide(50, 2, 1, 50, 2)).isEqualTo(Admission.REFUSED);
        assertThat(Admission.decide(0, 0, 0, 0, 0)).isEqualTo(Admission.REFUSED);
    }
}
