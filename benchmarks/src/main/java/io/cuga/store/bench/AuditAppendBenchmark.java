package io.cuga.store.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import com.zaxxer.hikari.HikariDataSource;

import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.BudgetLedger;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.postgres.internal.PostgresDatabase;
import io.cuga.store.sqlite.internal.SqliteDatabase;
import io.cuga.testing.postgres.PostgresCluster;

/**
 * The cost of durability: one audited call's records (an attempt and an outcome, as the dispatcher appends them)
 * appended and made durable, on SQLite (WAL, synchronous=FULL, a real file) and on PostgreSQL (a private
 * cluster with fsync on, over loopback, through the HikariCP pool). One thread measures the latency of a lone
 * append; 16 threads show what group commit does with concurrent calls. Throughput mode gives appends per
 * second (each append = one call's two records); sample mode gives p50/p99 of one append.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms32m", "-Xmx512m", "-Xss512k", "-XX:+UseSerialGC",
    "-XX:MaxMetaspaceSize=192m", "-XX:ReservedCodeCacheSize=64m"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
public class AuditAppendBenchmark {

    /** The database. */
    @Param({"sqlite", "postgres"})
    public String backend;

    private Path dir;
    private PostgresCluster cluster;
    private JdbcStore store;

    /** Opens the store on a fresh database. */
    @Setup(Level.Trial)
    public void open() throws IOException {
        if ("sqlite".equals(backend)) {
            dir = Files.createTempDirectory("cuga-bench-sqlite-");
            store = SqliteDatabase.open(dir.resolve("cuga.db"), "FULL", 5000, 256, null);
        } else {
            Path bin = PostgresCluster.findBinaries()
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL binaries (initdb, pg_ctl) installed"));
            cluster = PostgresCluster.start(bin);
            String url = cluster.createDatabase("bench");
            store = PostgresDatabase.open(
                new PostgresDatabase.Settings(url, PostgresCluster.USER, "", 20, 2000, 10_000), 256, null);
        }
        if (store.problem().isPresent()) {
            throw new IllegalStateException(store.problem().get());
        }
    }

    /** Closes the store and removes the database. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        if (store.dataSource() instanceof HikariDataSource pool) {
            pool.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<AuditRecord> call() {
        String call = UUID.randomUUID().toString();
        String trace = UUID.randomUUID().toString().replace("-", "");
        Instant now = Instant.now();
        List<Map<String, Object>> decisions = List.of(
            Map.of("guardrail", "allowlist", "verdict", "ALLOW", "rule", "tools", "reason", "listed"),
            Map.of("guardrail", "budget", "verdict", "ALLOW", "rule", "calls", "reason", "within the ceiling"));
        return List.of(
            new AuditRecord(0, UUID.randomUUID().toString(), now, AuditRecord.ATTEMPT, trace, call, "default", "s1",
                "agent", "calculator", "sha256:" + "ab".repeat(32), decisions, "ALLOW", "allowed", "", 0, "",
                Map.of("policyVersion", 3), "", ""),
            new AuditRecord(0, UUID.randomUUID().toString(), now, AuditRecord.OUTCOME, trace, call, "default", "s1",
                "agent", "calculator", "sha256:" + "ab".repeat(32), List.of(), "ALLOW", "ok", "OK", 420, "",
                Map.of(), "", ""));
    }

    /** @return one call's records, appended durably by a lone caller */
    @Benchmark
    @Threads(1)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public List<AuditRecord> append1Thread() {
        return store.append(call());
    }

    /**
     * @return what a budgeted call costs the ledger: one reservation (its hold row included) and its settlement,
     *     two write transactions, by a lone caller on one session's key
     */
    @Benchmark
    @Threads(1)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public BudgetLedger.Reservation budgetReserveSettle1Thread() {
        BudgetLedger.Reservation r = store.reserve(KEY, 1_000_000, Long.MAX_VALUE, 0);
        store.settle(r, 1_000_000);
        return r;
    }

    private static final BudgetLedger.BudgetKey KEY = new BudgetLedger.BudgetKey("default", "calls", "session", "s1");

    /** @return one call's records, appended durably while 15 other callers append too (group commit) */
    @Benchmark
    @Threads(16)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public List<AuditRecord> append16Threads() {
        return store.append(call());
    }
}
