package io.cuga.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.cuga.api.health.ReadinessCheck.Readiness;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditPage;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.BudgetLedger.Admission;
import io.cuga.api.store.BudgetLedger.Balance;
import io.cuga.api.store.BudgetLedger.BudgetKey;
import io.cuga.api.store.BudgetLedger.Reservation;
import io.cuga.api.store.ChainVerification;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.api.store.TaskStore.Query;
import io.cuga.api.store.TaskStore.StoredDocument;
import io.cuga.api.store.TaskStore.VersionConflictException;

/**
 * The behaviour every store backend must show, run against a real database by each backend's test (a SQLite
 * file, a PostgreSQL cluster). "Two instances" are two {@link JdbcStore}s, each with its own connections, on one
 * database: what two replicas are.
 */
public abstract class StoreContract {

    private final List<JdbcStore> opened = new ArrayList<>();

    /** Prepares a new, empty database for the next {@link #open} calls. */
    protected abstract void newDatabase() throws Exception;

    /**
     * @param migrations the migrations to run, null for the dialect's own
     * @return a new store instance on the current database (its own connections)
     */
    protected abstract JdbcStore openStore(List<Migration> migrations) throws Exception;

    /** Stops the database server (keeping its data); aborts the test where that has no meaning. */
    protected abstract void stopDatabase() throws Exception;

    /** Starts it again. */
    protected abstract void startDatabase() throws Exception;

    /** @return the dialect under test */
    protected abstract Dialect dialect();

    @BeforeEach
    void freshDatabase() throws Exception {
        newDatabase();
    }

    @AfterEach
    void closeStores() {
        opened.forEach(JdbcStore::close);
        opened.clear();
    }

    /** @return a new instance, tracked and closed after the test */
    protected JdbcStore open() throws Exception {
        return track(openStore(null));
    }

    private JdbcStore track(JdbcStore store) {
        opened.add(store);
        return store;
    }

    static AuditRecord record(String kind, String trace, String call, String tool, String decision,
        String profile) {
        return new AuditRecord(0, UUID.randomUUID().toString(), Instant.now(), kind, trace, call, profile,
            "s1", "alice", tool, "sha256:" + "ab".repeat(32),
            List.of(Map.of("guardrail", "allowlist", "verdict", decision, "rule", "r1", "reason", "listed")),
            decision, "because", kind.equals(AuditRecord.OUTCOME) ? "OK" : "", 1234, "",
            Map.of("policyVersion", 3, "nested", Map.of("z", 1, "a", List.of("x", "y"))), "", "");
    }

    public static AuditRecord attempt(String trace) {
        return record(AuditRecord.ATTEMPT, trace, "call-" + trace, "calculator", "ALLOW", "default");
    }

    private void exec(JdbcStore store, String sql) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static long count(JdbcStore store, String sql) throws SQLException {
        try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement();
            java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ------------------------------------------------------------------ audit trail

    @Test
    void appendAssignsContiguousPositionsAndAChainedHash() throws Exception {
        JdbcStore store = open();
        List<AuditRecord> first = store.append(List.of(attempt("t1"), attempt("t2")));
        List<AuditRecord> second = store.append(List.of(attempt("t3")));

        assertThat(first).extracting(AuditRecord::seq).containsExactly(1L, 2L);
        assertThat(second.get(0).seq()).isEqualTo(3);
        assertThat(first.get(0).prevHash()).isEqualTo("sha256:" + "0".repeat(64));
        assertThat(first.get(1).prevHash()).isEqualTo(first.get(0).hash());
        assertThat(second.get(0).prevHash()).isEqualTo(first.get(1).hash());
        assertThat(first.get(0).hash()).matches("sha256:[0-9a-f]{64}");
        assertThat(store.verify()).isEqualTo(new ChainVerification(true, 3, 0, ""));
    }

    @Test
    void queryFiltersAndPagesNewestFirst() throws Exception {
        JdbcStore store = open();
        Instant start = Instant.now();
        for (int i = 0; i < 7; i++) {
            store.append(List.of(record(AuditRecord.ATTEMPT, "trace-" + (i % 2), "call-" + i,
                i % 3 == 0 ? "http" : "calculator", i == 4 ? "DENY" : "ALLOW", i < 5 ? "default" : "ops"),
                record(AuditRecord.OUTCOME, "trace-" + (i % 2), "call-" + i, i % 3 == 0 ? "http" : "calculator",
                    "", i < 5 ? "default" : "ops")));
        }
        AuditPage page1 = store.query(AuditQuery.newest(5));
        assertThat(page1.records()).extracting(AuditRecord::seq).containsExactly(14L, 13L, 12L, 11L, 10L);
        assertThat(page1.next()).isEqualTo(10);
        AuditPage page2 = store.query(new AuditQuery(null, null, null, null, null, null, null, page1.next(), 5));
        assertThat(page2.records()).extracting(AuditRecord::seq).containsExactly(9L, 8L, 7L, 6L, 5L);
        AuditPage last = store.query(new AuditQuery(null, null, null, null, null, null, null, 5, 5));
        assertThat(last.records()).extracting(AuditRecord::seq).containsExactly(4L, 3L, 2L, 1L);
        assertThat(last.next()).isZero();

        assertThat(store.query(new AuditQuery("trace-1", null, null, null, AuditRecord.ATTEMPT, null, null, 0, 100))
            .records()).extracting(AuditRecord::callId).containsExactly("call-5", "call-3", "call-1");
        assertThat(store.query(new AuditQuery(null, "call-4", null, null, null, null, null, 0, 100)).records())
            .extracting(AuditRecord::kind).containsExactly(AuditRecord.OUTCOME, AuditRecord.ATTEMPT);
        assertThat(store.query(new AuditQuery(null, null, null, "DENY", null, null, null, 0, 100)).records())
            .singleElement().extracting(AuditRecord::callId).isEqualTo("call-4");
        assertThat(store.query(new AuditQuery(null, null, "http", null, AuditRecord.ATTEMPT, "default", null, 0,
            100)).records()).extracting(AuditRecord::callId).containsExactly("call-3", "call-0");
        assertThat(store.query(new AuditQuery(null, null, null, null, null, null,
            Instant.now().plusSeconds(60), 0, 100)).records()).isEmpty();
        assertThat(store.query(new AuditQuery(null, null, null, null, null, null, start.minusSeconds(1), 0, 100))
            .records()).hasSize(14);
    }

    @Test
    void aQueriedRecordIsTheAppendedRecord() throws Exception {
        JdbcStore store = open();
        AuditRecord appended = store.append(List.of(attempt("t1"))).get(0);
        AuditRecord read = store.query(AuditQuery.newest(1)).records().get(0);
        assertThat(read).isEqualTo(appended);
        assertThat(read.data()).containsEntry("nested", Map.of("a", List.of("x", "y"), "z", 1));
        assertThat(read.decisions()).singleElement().satisfies(d -> assertThat(d).containsEntry("rule", "r1"));
    }

    @Test
    void anAppendThatReturnedIsSeenByAFreshInstance() throws Exception {
        JdbcStore writer = open();
        AuditRecord r = writer.append(List.of(attempt("durable"))).get(0);
        JdbcStore reader = open();
        assertThat(reader.query(new AuditQuery("durable", null, null, null, null, null, null, 0, 10)).records())
            .containsExactly(r);
    }

    @Test
    void concurrentAppendsFromTwoInstancesFormOneIntactChain() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        int threads = 8;
        int perThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<AuditRecord>>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < threads * 2; t++) {
                JdbcStore store = t % 2 == 0 ? a : b;
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    List<AuditRecord> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.addAll(store.append(List.of(attempt("t" + thread + "-" + i),
                            record(AuditRecord.OUTCOME, "t" + thread + "-" + i, "c", "calculator", "", "default"))));
                    }
                    return mine;
                }));
            }
            go.countDown();
            List<Long> seqs = new ArrayList<>();
            for (Future<List<AuditRecord>> f : futures) {
                List<AuditRecord> mine = f.get(120, TimeUnit.SECONDS);
                for (int i = 0; i < mine.size(); i += 2) {
                    // one caller's records stay together
                    assertThat(mine.get(i + 1).seq()).isEqualTo(mine.get(i).seq() + 1);
                }
                mine.forEach(r -> seqs.add(r.seq()));
            }
            long total = (long) threads * 2 * perThread * 2;
            Collections.sort(seqs);
            assertThat(seqs).hasSize((int) total).doesNotHaveDuplicates();
            assertThat(seqs.get(0)).isEqualTo(1);
            assertThat(seqs.get(seqs.size() - 1)).isEqualTo(total);
            assertThat(a.verify()).isEqualTo(new ChainVerification(true, total, 0, ""));
            assertThat(b.verify().intact()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void verifyNamesTheRecordWhoseColumnWasEdited() throws Exception {
        JdbcStore store = open();
        for (int i = 0; i < 5; i++) {
            store.append(List.of(attempt("t" + i)));
        }
        exec(store, "UPDATE cuga_audit SET tool = 'shell' WHERE seq = 3");
        ChainVerification v = store.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(3);
        assertThat(v.problem()).contains("tool");
        assertThat(v.records()).isEqualTo(2);
    }

    @Test
    void verifyNamesTheRecordWhoseBodyWasEdited() throws Exception {
        JdbcStore store = open();
        for (int i = 0; i < 5; i++) {
            store.append(List.of(attempt("t" + i)));
        }
        exec(store, "UPDATE cuga_audit SET body = REPLACE(body, 'alice', 'mallory') WHERE seq = 4");
        ChainVerification v = store.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(4);
        assertThat(v.problem()).contains("hash");
    }

    @Test
    void verifyNamesADeletedRecord() throws Exception {
        JdbcStore store = open();
        for (int i = 0; i < 5; i++) {
            store.append(List.of(attempt("t" + i)));
        }
        exec(store, "DELETE FROM cuga_audit WHERE seq = 2");
        ChainVerification v = store.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(2);
        assertThat(v.problem()).contains("missing");
    }

    @Test
    void verifyFindsTheLastRecordDeleted() throws Exception {
        JdbcStore store = open();
        for (int i = 0; i < 3; i++) {
            store.append(List.of(attempt("t" + i)));
        }
        exec(store, "DELETE FROM cuga_audit WHERE seq = 3");
        ChainVerification v = store.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(3);
    }

    @Test
    void exportStreamsOldestFirstAfterAPosition() throws Exception {
        JdbcStore store = open();
        for (int i = 0; i < 5; i++) {
            store.append(List.of(attempt("t" + i)));
        }
        List<Long> seen = new ArrayList<>();
        long last = store.export(2, 2, r -> seen.add(r.seq()));
        assertThat(seen).containsExactly(3L, 4L);
        assertThat(last).isEqualTo(4);
        assertThat(store.export(5, 10, r -> seen.add(r.seq()))).isEqualTo(5);
        assertThat(seen).hasSize(2);
    }

    // ------------------------------------------------------------------ budget ledger

    @Test
    void aCeilingOf50Admits50AndRefusesThe51st() throws Exception {
        JdbcStore store = open();
        BudgetKey key = new BudgetKey("default", "calls", "profile", "");
        for (int i = 1; i <= 50; i++) {
            Reservation r = store.reserve(key, 1, 50, 0);
            assertThat(r.admission()).as("call %d", i).isEqualTo(Admission.ADMITTED);
            assertThat(r.used()).isEqualTo(i);
        }
        Reservation refused = store.reserve(key, 1, 50, 0);
        assertThat(refused.admission()).isEqualTo(Admission.REFUSED);
        assertThat(store.balance(key)).isEqualTo(new Balance(0, 50, 0));
    }

    @Test
    void warnModeAdmitsOverTheCeilingUpToTheEscalationCount() throws Exception {
        JdbcStore store = open();
        BudgetKey key = new BudgetKey("default", "cost", "session", "s1");
        assertThat(store.reserve(key, 8, 10, 2).admission()).isEqualTo(Admission.ADMITTED);
        Reservation over1 = store.reserve(key, 5, 10, 2);
        assertThat(over1.admission()).isEqualTo(Admission.OVER);
        assertThat(over1.exceedances()).isEqualTo(1);
        assertThat(store.reserve(key, 1, 10, 2).admission()).isEqualTo(Admission.OVER);
        assertThat(store.reserve(key, 1, 10, 2).admission()).isEqualTo(Admission.REFUSED);
        assertThat(store.balance(key)).isEqualTo(new Balance(0, 14, 2));
    }

    @Test
    void settleAndReleaseMoveReservedToSpentOrBack() throws Exception {
        JdbcStore store = open();
        BudgetKey key = new BudgetKey("default", "cost", "task", "t1");
        Reservation a = store.reserve(key, 100, 1000, 0);
        Reservation b = store.reserve(key, 200, 1000, 0);
        store.settle(a, 40);
        store.release(b);
        assertThat(store.balance(key)).isEqualTo(new Balance(40, 0, 0));
        assertThat(store.balance(new BudgetKey("other", "cost", "task", "t1"))).isEqualTo(Balance.ZERO);
        Reservation refused = store.reserve(key, 2000, 1000, 0);
        assertThatThrownBy(() -> store.release(refused)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thousandConcurrentReservesOverTwoInstancesNeverOverspend() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        BudgetKey key = new BudgetKey("shared", "calls", "profile", "");
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Callable<Admission>> calls = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                JdbcStore store = i % 2 == 0 ? a : b;
                calls.add(() -> {
                    go.await();
                    return store.reserve(key, 1, 50, 0).admission();
                });
            }
            List<Future<Admission>> futures = new ArrayList<>();
            for (Callable<Admission> c : calls) {
                futures.add(pool.submit(c));
            }
            go.countDown();
            int admitted = 0;
            int refused = 0;
            for (Future<Admission> f : futures) {
                Admission adm = f.get(180, TimeUnit.SECONDS);
                if (adm == Admission.ADMITTED) {
                    admitted++;
                } else if (adm == Admission.REFUSED) {
                    refused++;
                }
            }
            assertThat(admitted).isEqualTo(50);
            assertThat(refused).isEqualTo(950);
            assertThat(a.balance(key)).isEqualTo(new Balance(0, 50, 0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStoppedInstancesHoldsAreReleasedAndItsLateSettleCountsOnlyWhatItSpent() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        BudgetKey key = new BudgetKey("default", "cost", "profile", "");
        Reservation crashed = a.reserve(key, 100, 1000, 0);
        Reservation liveA = a.reserve(key, 7, 1000, 0);
        Reservation liveB = b.reserve(key, 50, 1000, 0);
        assertThat(crashed.hold()).isNotEmpty().isNotEqualTo(liveA.hold());
        assertThat(a.balance(key)).isEqualTo(new Balance(0, 157, 0));
        // what a replica killed mid-call leaves: its hold, and its row beaten long ago
        exec(a, "INSERT INTO cuga_store_owner (owner, started_us, seen_us) VALUES ('killed-replica', 0, 0)");
        exec(a, "UPDATE cuga_budget_hold SET owner = 'killed-replica' WHERE id = '" + crashed.hold() + "'");

        // the live instances' monitors release it (every sixth of the lease); their own holds stay
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a.balance(key).reserved() != 57 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(a.balance(key)).isEqualTo(new Balance(0, 57, 0));
        assertThat(count(a, "SELECT COUNT(*) FROM cuga_store_owner WHERE owner = 'killed-replica'"))
            .as("an instance that holds nothing any more is forgotten").isZero();

        // a late settle of the released hold counts what was spent and releases nothing twice
        a.settle(crashed, 30);
        assertThat(b.balance(key)).isEqualTo(new Balance(30, 57, 0));
        a.settle(liveA, 7);
        b.release(liveB);
        assertThat(b.balance(key)).isEqualTo(new Balance(37, 0, 0));
        assertThat(count(a, "SELECT COUNT(*) FROM cuga_budget_hold")).isZero();
    }

    @Test
    void aStoreThatClosesReleasesWhatItsUnendedCallsHold() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        BudgetKey key = new BudgetKey("default", "calls", "session", "s1");
        Reservation unended = a.reserve(key, 3, 10, 0);
        b.reserve(key, 2, 10, 0);
        a.close();
        assertThat(b.balance(key)).isEqualTo(new Balance(0, 2, 0));
        assertThat(count(b, "SELECT COUNT(*) FROM cuga_budget_hold WHERE id = '" + unended.hold() + "'")).isZero();
    }

    @Test
    void eachInstanceIsLiveToTheOthersUntilItStopsBeating() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        assertThat(a.instance()).isNotEmpty().isNotEqualTo(b.instance()).contains("@");
        assertThat(a.isLive(a.instance())).isTrue();
        assertThat(a.isLive(b.instance())).as("seen alive from its start").isTrue();
        assertThat(b.isLive(a.instance())).isTrue();
        assertThat(a.isLive("12@gone/00000000")).as("never seen").isFalse();
        // what a replica killed long ago leaves: a row not beaten for longer than the lease
        exec(a, "INSERT INTO cuga_store_owner (owner, started_us, seen_us) VALUES ('killed-replica', 0, 0)");
        assertThat(a.isLive("killed-replica")).isFalse();
        b.close();
        assertThat(a.isLive(b.instance())).as("closed cleanly: gone at once").isFalse();
    }

    // ------------------------------------------------------------------ approvals

    static Approval pending(String id, Instant expires) {
        return new Approval(id, Approval.Status.PENDING, Instant.now(), expires, "call-1", "trace-1", "default",
            "s1", "alice", "http", "high", Map.of("url", "https://example.org", "n", 2), "risk high", null, null,
            null, null);
    }

    @Test
    void ofTwoInstancesDecidingAtOnceExactlyOneWins() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        for (int round = 0; round < 10; round++) {
            String id = "ap-" + round;
            a.create(pending(id, Instant.now().plusSeconds(600)));
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<Optional<Approval>> fa = pool.submit(() -> {
                    go.await();
                    return a.decide(id, Approval.Status.APPROVED, "bob", "fine", Instant.now());
                });
                Future<Optional<Approval>> fb = pool.submit(() -> {
                    go.await();
                    return b.decide(id, Approval.Status.REJECTED, "carol", "no", Instant.now());
                });
                go.countDown();
                Approval ra = fa.get(30, TimeUnit.SECONDS).orElseThrow();
                Approval rb = fb.get(30, TimeUnit.SECONDS).orElseThrow();
                // both see the one decision that won
                assertThat(ra.status()).isEqualTo(rb.status());
                assertThat(ra.decidedBy()).isEqualTo(rb.decidedBy());
                assertThat(ra.status() == Approval.Status.APPROVED ? "bob" : "carol").isEqualTo(ra.decidedBy());
                assertThat(b.get(id).orElseThrow().status()).isEqualTo(ra.status());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void approvalsRoundTripListAndRecordTheOutcome() throws Exception {
        JdbcStore a = open();
        Approval created = a.create(pending("ap-1", Instant.now().plusSeconds(60)));
        a.create(pending("ap-2", Instant.now().plusSeconds(60)));
        assertThat(a.get("ap-1")).contains(created);
        assertThat(created.arguments()).containsEntry("n", 2);
        assertThat(a.get("nope")).isEmpty();
        assertThat(a.decide("nope", Approval.Status.APPROVED, "bob", "", Instant.now())).isEmpty();
        Approval decided = a.decide("ap-1", Approval.Status.APPROVED, "bob", "ok", Instant.now()).orElseThrow();
        assertThat(decided.status()).isEqualTo(Approval.Status.APPROVED);
        assertThat(decided.decidedAt()).isNotNull();
        assertThat(a.list(Approval.Status.PENDING, 10)).extracting(Approval::id).containsExactly("ap-2");
        assertThat(a.list(null, 10)).hasSize(2);
        a.recordOutcome("ap-1", Map.of("status", "ok", "result", Map.of("v", 3)));
        assertThat(open().get("ap-1").orElseThrow().outcome()).containsEntry("status", "ok");
        assertThatThrownBy(() -> a.decide("ap-2", Approval.Status.EXPIRED, "bob", "", Instant.now()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExpiredApprovalCannotBeDecidedAndExpireMarksItOnce() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        Instant expiry = Instant.now().plusSeconds(30);
        a.create(pending("late", expiry));
        a.create(pending("later", expiry.plusSeconds(600)));
        // a decision at or after the expiry finds it no longer decidable
        Approval after = b.decide("late", Approval.Status.APPROVED, "bob", "", expiry).orElseThrow();
        assertThat(after.status()).isEqualTo(Approval.Status.PENDING);
        assertThat(after.decidedBy()).isEmpty();
        List<Approval> expired = b.expire(expiry.plusSeconds(1));
        assertThat(expired).singleElement().satisfies(x -> {
            assertThat(x.id()).isEqualTo("late");
            assertThat(x.status()).isEqualTo(Approval.Status.EXPIRED);
        });
        assertThat(a.expire(expiry.plusSeconds(2))).isEmpty();
        assertThat(a.get("late").orElseThrow().status()).isEqualTo(Approval.Status.EXPIRED);
        assertThat(a.get("later").orElseThrow().status()).isEqualTo(Approval.Status.PENDING);
    }

    // ------------------------------------------------------------------ tasks and sessions

    private static StoredDocument task(String id, String status, String profile, String session, String caller,
        Instant created) {
        return new StoredDocument(id, 0, status, profile, session, caller, created, null,
            "{\"id\":\"" + id + "\",\"status\":\"" + status + "\"}");
    }

    @Test
    void aTaskIsStoredReadAndUpdatedWithAnOptimisticVersionSeenByAnotherInstance() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        Instant created = Instant.parse("2026-01-02T03:04:05.123456789Z");
        StoredDocument stored = a.createTask(task("t1", "created", "default", "s1", "alice", created));
        assertThat(stored.version()).isEqualTo(1);
        assertThat(stored.createdAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));

        StoredDocument read = b.getTask("t1").orElseThrow();
        assertThat(read).isEqualTo(stored);
        StoredDocument executing = new StoredDocument("t1", read.version(), "executing", "default", "s1", "alice",
            read.createdAt(), null, "{\"id\":\"t1\",\"status\":\"executing\",\"steps\":[1,2]}");
        StoredDocument updated = b.updateTask(executing);
        assertThat(updated.version()).isEqualTo(2);
        assertThat(a.getTask("t1").orElseThrow().document()).contains("\"steps\":[1,2]");
        assertThat(a.getTask("t1").orElseThrow().status()).isEqualTo("executing");

        // a writer still holding version 1 loses, and what it wrote does not land
        assertThatThrownBy(() -> a.updateTask(new StoredDocument("t1", 1, "failed", "default", "s1", "alice",
            created, null, "{}"))).isInstanceOf(VersionConflictException.class).hasMessageContaining("t1");
        assertThat(b.getTask("t1").orElseThrow().status()).isEqualTo("executing");
        assertThatThrownBy(() -> a.createTask(task("t1", "created", "default", "s1", "alice", created)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.updateTask(task("missing", "x", "p", "", "c", created).at(3, created)))
            .isInstanceOf(VersionConflictException.class);
        assertThat(a.getTask("missing")).isEmpty();
    }

    @Test
    void tasksAreListedBySessionCallerAndStatusNewestFirst() throws Exception {
        JdbcStore store = open();
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        store.createTask(task("a", "completed", "default", "s1", "alice", t0));
        store.createTask(task("b", "executing", "default", "s1", "alice", t0.plusSeconds(1)));
        store.createTask(task("c", "failed", "default", "s2", "alice", t0.plusSeconds(2)));
        store.createTask(task("d", "executing", "other", "s1", "alice", t0.plusSeconds(3)));
        store.createTask(task("e", "created", "default", "s1", "bob", t0.plusSeconds(4)));

        assertThat(store.listTasks(new Query("default", "s1", "alice", null, 10)))
            .extracting(StoredDocument::id).containsExactly("b", "a");
        assertThat(store.listTasks(new Query("default", "s1", null, null, 10)))
            .extracting(StoredDocument::id).containsExactly("e", "b", "a");
        assertThat(store.listTasks(new Query(null, null, null, Set.of("executing", "created"), 10)))
            .extracting(StoredDocument::id).containsExactly("e", "d", "b");
        assertThat(store.listTasks(new Query("default", null, null, null, 2)))
            .extracting(StoredDocument::id).containsExactly("e", "c");
        assertThat(store.listTasks(new Query("nobody", null, null, null, 10))).isEmpty();
    }

    @Test
    void sessionsAreKeyedByProfileAndVersioned() throws Exception {
        JdbcStore a = open();
        JdbcStore b = open();
        Instant now = Instant.now();
        StoredDocument first = a.saveSession(new StoredDocument("chat", 0, "", "default", "", "alice", now, null,
            "{\"turns\":[]}"));
        assertThat(first.version()).isEqualTo(1);
        assertThat(b.getSession("default", "chat").orElseThrow().document()).isEqualTo("{\"turns\":[]}");
        assertThat(b.getSession("other", "chat")).isEmpty();

        StoredDocument second = b.saveSession(new StoredDocument("chat", 1, "", "default", "", "alice", now, null,
            "{\"turns\":[\"2+3\"]}"));
        assertThat(second.version()).isEqualTo(2);
        assertThatThrownBy(() -> a.saveSession(new StoredDocument("chat", 1, "", "default", "", "alice", now, null,
            "{}"))).isInstanceOf(VersionConflictException.class);
        assertThatThrownBy(() -> a.saveSession(new StoredDocument("chat", 0, "", "default", "", "alice", now, null,
            "{}"))).isInstanceOf(VersionConflictException.class);
        // the same id in another profile is another session
        assertThat(a.saveSession(new StoredDocument("chat", 0, "", "other", "", "bob", now, null, "{}")).version())
            .isEqualTo(1);
        assertThat(a.getSession("default", "chat").orElseThrow().document()).contains("2+3");
    }

    // ------------------------------------------------------------------ failures

    @Test
    void aFailedMigrationLeavesTheStoreUnavailableWithTheReason() throws Exception {
        List<Migration> migrations = new ArrayList<>(Migration.of(dialect()));
        int bad = migrations.size() + 1;
        migrations.add(new Migration(bad, "broken", "CREATE TABLE cuga_broken (x INTEGER);\nSELEKT nonsense;"));
        JdbcStore store = track(openStore(migrations));

        Readiness r = store.readiness().check();
        assertThat(store.readiness().name()).isEqualTo("store");
        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).startsWith("migration " + bad + " failed: ");
        assertThatThrownBy(() -> store.append(List.of(attempt("x"))))
            .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("migration " + bad + " failed")
            .hasMessageNotContaining("SELEKT");
        assertThatThrownBy(() -> store.reserve(new BudgetKey("p", "calls", "profile", ""), 1, 5, 0))
            .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.get("x")).isInstanceOf(StoreUnavailableException.class);
        // the failed migration's transaction left nothing behind, the good ones are in
        JdbcStore good = open();
        assertThat(good.readiness().check().ready()).isTrue();
        assertThat(good.append(List.of(attempt("y")))).hasSize(1);
    }

    @Test
    void aStoppedDatabaseFailsCallsFastAndServiceResumesWhenItReturns() throws Exception {
        JdbcStore store = track(openStore(null));
        store.append(List.of(attempt("before")));
        assertThat(store.readiness().check().ready()).isTrue();
        BudgetKey key = new BudgetKey("p", "calls", "profile", "");
        stopDatabase();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                assertThatThrownBy(() -> store.append(List.of(attempt("during"))))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("unreachable");
                assertThatThrownBy(() -> store.reserve(key, 1, 5, 0)).isInstanceOf(StoreUnavailableException.class);
                assertThatThrownBy(() -> store.query(AuditQuery.newest(5)))
                    .isInstanceOf(StoreUnavailableException.class);
            });
            Readiness down = store.readiness().check();
            assertThat(down.ready()).isFalse();
            assertThat(down.detail()).contains("unreachable");
        } finally {
            startDatabase();
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            while (!store.readiness().check().ready()) {
                Thread.sleep(100);
            }
        });
        AuditRecord after = store.append(List.of(attempt("after"))).get(0);
        assertThat(after.seq()).isEqualTo(2);
        assertThat(store.reserve(key, 1, 5, 0).admission()).isEqualTo(Admission.ADMITTED);
        assertThat(store.verify().intact()).isTrue();
    }
}
