package io.cuga.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.store.Approval;
import io.cuga.api.store.ApprovalStore;
import io.cuga.api.store.AuditPage;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.ChainVerification;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.api.store.TaskStore;
import io.cuga.store.jdbc.internal.AuditCodec;
import io.cuga.store.jdbc.internal.AuditWriter;
import io.cuga.store.jdbc.internal.BudgetHolds;
import io.cuga.store.jdbc.internal.Failures;

/**
 * The audit trail, the budget ledger, approvals and agent tasks and sessions over one {@link DataSource}. Several instances on one
 * database (replicas, or two stores in one test) share one hash chain, one ledger and one set of approvals.
 *
 * <p>At construction the schema is migrated (or the failure recorded: every operation then throws
 * {@link StoreUnavailableException} with the reason, and {@link #readiness()} says it). A monitor thread probes
 * the database every {@link Options#probeMillis()}, retries what failed and so resumes service by itself when
 * the database returns. Audit appends go through one writer thread that commits concurrent appends together
 * (group commit).
 */
public final class JdbcStore implements AuditTrail, BudgetLedger, ApprovalStore, TaskStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);

    /**
     * How the store runs.
     *
     * @param target what the database is, for messages: {@code PostgreSQL at 127.0.0.1:5432},
     *     {@code SQLite at /data/cuga.db}; never credentials
     * @param auditBatchMax the most records committed in one audit transaction
     * @param appendTimeoutMillis how long an append waits for its turn before it gives up (it then throws and
     *     none of its records is written)
     * @param probeMillis how often the monitor checks the database
     * @param migrations the schema migrations, normally {@link Migration#of(Dialect)}
     * @param holdLeaseMillis how long a store instance may go without beating before the others (or the
     *     restarted server) release its budget holds; it beats every sixth of it
     */
    public record Options(String target, int auditBatchMax, long appendTimeoutMillis, long probeMillis,
        List<Migration> migrations, long holdLeaseMillis) {

        /** The default lease of budget holds. */
        public static final long HOLD_LEASE_MILLIS = 30_000;

        /** Checks the values. */
        public Options {
            Objects.requireNonNull(target, "target");
            if (auditBatchMax < 1) {
                throw new IllegalArgumentException("auditBatchMax must be at least 1");
            }
            if (appendTimeoutMillis < 1 || probeMillis < 1 || holdLeaseMillis < 1) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            migrations = List.copyOf(migrations);
        }

        /**
         * Options with the default lease of budget holds.
         *
         * @param target what the database is, for messages
         * @param auditBatchMax the most records committed in one audit transaction
         * @param appendTimeoutMillis how long an append waits for its turn before it gives up
         * @param probeMillis how often the monitor checks the database
         * @param migrations the schema migrations
         */
        public Options(String target, int auditBatchMax, long appendTimeoutMillis, long probeMillis,
            List<Migration> migrations) {
            this(target, auditBatchMax, appendTimeoutMillis, probeMillis, migrations, HOLD_LEASE_MILLIS);
        }

        /**
         * @param target what the database is, for messages
         * @param dialect the database
         * @return the defaults: batches of up to 256 records, appends wait up to 10 s, probe every second, budget
         *     holds of a silent instance released after 30 s
         */
        public static Options defaults(String target, Dialect dialect) {
            return new Options(target, 256, 10_000, 1_000, Migration.of(dialect), HOLD_LEASE_MILLIS);
        }

        /**
         * @param list other migrations
         * @return these options with them
         */
        public Options withMigrations(List<Migration> list) {
            return new Options(target, auditBatchMax, appendTimeoutMillis, probeMillis, list, holdLeaseMillis);
        }

        /**
         * @param max the batch size
         * @return these options with it
         */
        public Options withAuditBatchMax(int max) {
            return new Options(target, max, appendTimeoutMillis, probeMillis, migrations, holdLeaseMillis);
        }

        /**
         * @param millis the probe interval
         * @return these options with it
         */
        public Options withProbeMillis(long millis) {
            return new Options(target, auditBatchMax, appendTimeoutMillis, millis, migrations, holdLeaseMillis);
        }

        /**
         * @param millis the lease of budget holds
         * @return these options with it
         */
        public Options withHoldLeaseMillis(long millis) {
            return new Options(target, auditBatchMax, appendTimeoutMillis, probeMillis, migrations, millis);
        }
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    private final Options options;
    private final Failures failures;
    private final AuditCodec codec = new AuditCodec();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AuditWriter writer;
    private final ScheduledExecutorService monitor;
    private final Object migrationLock = new Object();
    private volatile boolean migrated;
    /** Why the store is not available, null when it is. */
    private volatile String problem = "not started";
    private volatile boolean closed;
    /** This instance's id in the budget holds it makes (see {@link BudgetHolds}). */
    private final String owner = BudgetHolds.newOwner();
    /** Whether this instance's row exists, so a hold it makes is never taken for a stopped instance's. */
    private volatile boolean ownerBeaten;
    /** When the monitor last beat and released stale holds (nanoTime; the monitor thread's only). */
    private long lastHoldsRound;

    /**
     * Opens the store: migrates the schema (once, now; the monitor retries a failure) and starts the audit
     * writer and the monitor.
     *
     * @param dataSource the database; connections must time out (connect and socket), so no call hangs
     * @param dialect its dialect
     * @param options how to run
     */
    public JdbcStore(DataSource dataSource, Dialect dialect, Options options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.options = Objects.requireNonNull(options, "options");
        this.failures = new Failures(options.target());
        this.writer = new AuditWriter(this, dataSource, dialect, options.auditBatchMax(),
            options.appendTimeoutMillis());
        migrate();
        writer.start("cuga-audit-writer-" + dialect.id());
        if (migrated) {
            keepHolds(); // this instance is seen alive before it makes any hold or task
        }
        monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-store-monitor-" + dialect.id());
            t.setDaemon(true);
            return t;
        });
        monitor.scheduleWithFixedDelay(this::probe, options.probeMillis(), options.probeMillis(),
            TimeUnit.MILLISECONDS);
    }

    /** @return the database */
    public DataSource dataSource() {
        return dataSource;
    }

    /** @return the dialect */
    public Dialect dialect() {
        return dialect;
    }

    /** @return the options */
    public Options options() {
        return options;
    }

    /** @return the readiness check {@code store}: ready when the database answers and the schema is migrated */
    public ReadinessCheck readiness() {
        return new ReadinessCheck() {
            @Override
            public String name() {
                return "store";
            }

            @Override
            public Readiness check() {
                String p = problem;
                return p == null ? new Readiness(true, options.target() + ", schema version "
                    + options.migrations().size()) : new Readiness(false, p);
            }
        };
    }

    /** @return why the store is unavailable now, empty when it is available */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** Stops the writer (appends still waiting fail) and the monitor. The data source is the caller's. */
    @Override
    public void close() {
        if (!closed && migrated && problem == null) {
            try {
                BudgetHolds.Released r = write("budget holds", c -> BudgetHolds.forget(c, owner));
                if (r.holds() > 0) {
                    LOG.warn("Released {} budget hold(s) ({} units) of calls that had not ended as the store closed",
                        r.holds(), r.units());
                }
            } catch (RuntimeException e) {
                LOG.debug("Budget holds of {} not released at close (the others release them after the lease)",
                    owner, e);
            }
        }
        closed = true;
        problem = "store closed";
        monitor.shutdownNow();
        writer.close();
    }

    // ---------------------------------------------------------------- availability

    /**
     * Throws at once when the store is known to be unusable (schema not migrated, closed).
     *
     * @throws StoreUnavailableException with the reason
     */
    public void ensureAvailable() {
        if (closed) {
            throw new StoreUnavailableException("the store is closed");
        }
        if (!migrated) {
            String p = problem;
            if (p == null) {
                p = "the store's schema is not migrated yet";
            } else if (p.startsWith("migration ")) {
                // the database's own message stays in /ready and the log: it may quote SQL
                p = options.target() + ": schema " + p.substring(0, p.indexOf(" failed") + 7)
                    + " (see /ready and the server log)";
            }
            throw new StoreUnavailableException(p);
        }
    }

    /**
     * Turns a database failure into the exception callers see and marks the store unavailable when the
     * database is unreachable (the monitor clears it).
     *
     * @param what the operation, for the log
     * @param e the failure
     * @return the exception to throw
     */
    public StoreUnavailableException failed(String what, Exception e) {
        String reason = failures.describe(e);
        if (failures.unreachable(e)) {
            problem = reason;
        }
        LOG.warn("{} failed: {} ({})", what, reason, e.toString());
        LOG.debug("{} failed", what, e);
        return new StoreUnavailableException(reason, e);
    }

    /** Clears an "unreachable" mark after a successful database round trip. */
    public void succeeded() {
        if (migrated && problem != null && !closed) {
            problem = null;
        }
    }

    private void probe() {
        if (closed) {
            return;
        }
        if (!migrated) {
            migrate();
            return;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(5);
            try (ResultSet rs = s.executeQuery("SELECT seq FROM cuga_audit_head WHERE id = 1")) {
                rs.next();
            }
            if (problem != null) {
                LOG.info("{} answers again: the store is available", options.target());
            }
            problem = null;
            keepHolds();
        } catch (SQLException | RuntimeException e) {
            String reason = failures.describe(e);
            if (!reason.equals(problem)) {
                LOG.warn("Store unavailable: {}", reason);
            }
            problem = reason;
        }
    }

    /**
     * Every sixth of the lease: beats this instance's row and releases the budget holds of instances that have
     * not beaten for the whole lease (crashed or killed replicas, this server before a restart).
     */
    private void keepHolds() {
        long now = System.nanoTime();
        long every = TimeUnit.MILLISECONDS.toNanos(Math.max(options.probeMillis(), options.holdLeaseMillis() / 6));
        if (ownerBeaten && now - lastHoldsRound < every) {
            return;
        }
        lastHoldsRound = now;
        try {
            BudgetHolds.Released r = write("budget holds", c -> {
                BudgetHolds.beat(c, dialect, owner);
                return BudgetHolds.releaseStale(c, dialect, owner, options.holdLeaseMillis() * 1000);
            });
            ownerBeaten = true;
            if (r.holds() > 0) {
                LOG.warn("Released {} budget hold(s) ({} units) of store instance(s) {}: silent for more than {} ms,"
                    + " their calls cannot end", r.holds(), r.units(), r.owners(), options.holdLeaseMillis());
            }
        } catch (StoreUnavailableException e) {
            // logged by write(); the next probe tries again
        }
    }

    private void migrate() {
        synchronized (migrationLock) {
            if (migrated) {
                return;
            }
            int current = 0;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    dialect.lockForMigration(c);
                    try (Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE IF NOT EXISTS cuga_schema_version (version BIGINT PRIMARY KEY, "
                            + "description TEXT NOT NULL, applied_us BIGINT NOT NULL)");
                    }
                    c.commit();
                } catch (SQLException e) {
                    rollback(c);
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
                for (Migration m : options.migrations()) {
                    current = m.version();
                    apply(c, m);
                }
                current = 0;
                migrated = true;
                problem = null;
                LOG.info("Store ready: {}, schema version {}", options.target(), options.migrations().size());
            } catch (SQLException | RuntimeException e) {
                String reason = current > 0 && !failures.unreachable(e)
                    ? "migration " + current + " failed: " + failures.detail(e) : failures.describe(e);
                if (!reason.equals(problem)) {
                    LOG.error("Store unavailable: {}", reason);
                }
                problem = reason;
            }
        }
    }

    private void apply(Connection c, Migration m) throws SQLException {
        c.setAutoCommit(false);
        try {
            dialect.lockForMigration(c);
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT version FROM cuga_schema_version WHERE version = ?")) {
                ps.setLong(1, m.version());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        c.rollback();
                        return;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                for (String sql : m.statements()) {
                    s.execute(sql);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO cuga_schema_version (version, description, applied_us) VALUES (?, ?, ?)")) {
                ps.setLong(1, m.version());
                ps.setString(2, m.description());
                ps.setLong(3, AuditCodec.epochMicros(Instant.now()));
                ps.executeUpdate();
            }
            c.commit();
            LOG.info("Store schema: migration {} applied ({})", m.version(), m.description());
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is broken: the transaction is gone with it
        }
    }

    // ---------------------------------------------------------------- transactions

    /** Work in one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T write(String what, Work<T> work) {
        ensureAvailable();
        if (dialect.singleWriter()) {
            writeLock.lock();
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                succeeded();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(c);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failed(what, e);
        } finally {
            if (dialect.singleWriter()) {
                writeLock.unlock();
            }
        }
    }

    /**
     * A write that makes a hold or a task naming this instance: until this instance's row is known to exist, the
     * same transaction beats it, so no other instance ever takes what it makes for a stopped instance's.
     */
    private <T> T writeAsOwner(String what, Work<T> work) {
        boolean beaten = ownerBeaten;
        T result = write(what, c -> {
            if (!beaten) {
                BudgetHolds.beat(c, dialect, owner);
            }
            return work.run(c);
        });
        ownerBeaten = true;
        return result;
    }

    private <T> T read(String what, Work<T> work) {
        ensureAvailable();
        try (Connection c = dataSource.getConnection()) {
            T result = work.run(c);
            succeeded();
            return result;
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    /**
     * Runs the writer's batch under the store's write lock (SQLite: one writer per instance).
     *
     * @param body the batch
     */
    public void underWriteLock(Runnable body) {
        if (dialect.singleWriter()) {
            writeLock.lock();
        }
        try {
            body.run();
        } finally {
            if (dialect.singleWriter()) {
                writeLock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------- audit trail

    @Override
    public List<AuditRecord> append(List<AuditRecord> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            return List.of();
        }
        ensureAvailable();
        List<AuditRecord> normalised = new ArrayList<>(records.size());
        List<String> bodies = new ArrayList<>(records.size());
        for (AuditRecord r : records) {
            AuditRecord n = new AuditRecord(0, r.id(), AuditCodec.micros(r.time()), r.kind(), r.traceId(),
                r.callId(), r.profile(), r.session(), r.caller(), r.tool(), r.argumentsDigest(), r.decisions(),
                r.decision(), r.reason(), r.outcome(), r.durationMicros(), r.errorType(), r.data(), "", "");
            normalised.add(n);
            bodies.add(codec.body(n));
        }
        return writer.append(normalised, bodies);
    }

    @Override
    public AuditPage query(AuditQuery q) {
        Objects.requireNonNull(q, "query");
        StringBuilder sql = new StringBuilder("SELECT seq, body, prev_hash, hash FROM cuga_audit WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        filter(sql, args, "trace_id", q.traceId());
        filter(sql, args, "call_id", q.callId());
        filter(sql, args, "tool", q.tool());
        filter(sql, args, "decision", q.decision());
        filter(sql, args, "kind", q.kind());
        filter(sql, args, "profile", q.profile());
        if (q.since() != null) {
            sql.append(" AND time_us >= ?");
            args.add(AuditCodec.epochMicros(q.since()));
        }
        if (q.beforeSeq() > 0) {
            sql.append(" AND seq < ?");
            args.add(q.beforeSeq());
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add((long) q.limit() + 1);
        return read("audit query", c -> {
            List<AuditRecord> records = new ArrayList<>();
            boolean more = false;
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (records.size() == q.limit()) {
                            more = true;
                            break;
                        }
                        records.add(fromRow(rs));
                    }
                }
            }
            long next = more ? records.get(records.size() - 1).seq() : 0;
            return new AuditPage(records, next);
        });
    }

    private AuditRecord fromRow(ResultSet rs) throws SQLException {
        long seq = rs.getLong(1);
        try {
            return codec.record(seq, rs.getString(2), rs.getString(3), rs.getString(4));
        } catch (IllegalArgumentException e) {
            throw new SQLException("audit record " + seq + " is unreadable: " + e.getMessage(), "XX001", e);
        }
    }

    private static void filter(StringBuilder sql, List<Object> args, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }

    @Override
    public long export(long afterSeq, int limit, Consumer<AuditRecord> sink) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        Objects.requireNonNull(sink, "sink");
        List<AuditRecord> records = read("audit export", c -> {
            List<AuditRecord> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq, body, prev_hash, hash FROM cuga_audit WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setLong(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(fromRow(rs));
                    }
                }
            }
            return list;
        });
        long last = afterSeq;
        for (AuditRecord r : records) {
            sink.accept(r);
            last = r.seq();
        }
        return last;
    }

    @Override
    public ChainVerification verify() {
        return read("audit verify", JdbcStore::verifyChain);
    }

    /**
     * Checks the chain over a connection, without opening a store (and so without migrating or writing
     * anything): every record's position, previous hash, hash and indexed columns, and the chain head.
     *
     * @param c a connection to a store's database
     * @return what was found
     * @throws SQLException when the database cannot be read (or holds no audit trail)
     */
    public static ChainVerification verifyChain(Connection c) throws SQLException {
        AuditCodec codec = new AuditCodec();
        {
            long headSeq;
            String headHash;
            try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq, hash FROM cuga_audit_head WHERE id = 1")) {
                if (!rs.next()) {
                    return new ChainVerification(false, 0, 1, "the chain head row is missing");
                }
                headSeq = rs.getLong(1);
                headHash = rs.getString(2);
            }
            long expected = 1;
            String prev = AuditCodec.GENESIS;
            long checked = 0;
            final int chunk = 1000;
            while (expected <= headSeq) {
                try (PreparedStatement ps = c.prepareStatement("SELECT seq, body, prev_hash, hash, id, time_us, "
                    + "kind, trace_id, call_id, tool, decision, profile FROM cuga_audit WHERE seq >= ? AND seq <= ? "
                    + "ORDER BY seq LIMIT ?")) {
                    ps.setLong(1, expected);
                    ps.setLong(2, headSeq);
                    ps.setLong(3, chunk);
                    int rows = 0;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rows++;
                            long seq = rs.getLong(1);
                            if (seq != expected) {
                                return new ChainVerification(false, checked, expected,
                                    "record " + expected + " is missing (the next one is " + seq + ")");
                            }
                            String body = rs.getString(2);
                            String problem = checkRow(codec, rs, body, prev);
                            if (problem != null) {
                                return new ChainVerification(false, checked, seq, problem);
                            }
                            prev = rs.getString(4);
                            checked++;
                            expected++;
                        }
                    }
                    if (rows == 0) {
                        return new ChainVerification(false, checked, expected, "record " + expected
                            + " is missing (the chain head says the trail ends at " + headSeq + ")");
                    }
                }
            }
            if (!prev.equals(headHash)) {
                return new ChainVerification(false, checked, headSeq,
                    "the chain head's hash does not match record " + headSeq);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(seq) FROM cuga_audit WHERE seq > ?")) {
                ps.setLong(1, headSeq);
                try (ResultSet rs = ps.executeQuery()) {
                    // rows appended after the head was read are fine only if the head moved on with them
                    if (rs.next() && rs.getLong(1) > 0 && rs.getLong(1) != headSeq + 1) {
                        return new ChainVerification(false, checked, rs.getLong(1),
                            "record " + rs.getLong(1) + " lies beyond the chain's end");
                    }
                }
            }
            return new ChainVerification(true, checked, 0, "");
        }
    }

    private static String checkRow(AuditCodec codec, ResultSet rs, String body, String prev) throws SQLException {
        long seq = rs.getLong(1);
        String prevHash = rs.getString(3);
        String hash = rs.getString(4);
        if (!prev.equals(prevHash)) {
            return "its previous hash does not match the hash of record " + (seq - 1);
        }
        if (!AuditCodec.hash(prevHash, body).equals(hash)) {
            return "its hash does not match its content (the body was changed)";
        }
        Map<String, Object> m;
        try {
            m = codec.parse(body);
        } catch (IllegalArgumentException e) {
            return "its body is not JSON";
        }
        String[][] columns = {{"id", "id"}, {"kind", "kind"}, {"trace_id", "traceId"}, {"call_id", "callId"},
            {"tool", "tool"}, {"decision", "decision"}, {"profile", "profile"}};
        for (String[] col : columns) {
            if (!Objects.equals(rs.getString(col[0]), m.get(col[1]))) {
                return "column " + col[0] + " does not match the record's content";
            }
        }
        Object time = m.get("time");
        try {
            if (!(time instanceof String t) || AuditCodec.epochMicros(Instant.parse(t)) != rs.getLong("time_us")) {
                return "column time_us does not match the record's content";
            }
        } catch (java.time.format.DateTimeParseException e) {
            return "its time is not ISO-8601";
        }
        return null;
    }

    // ---------------------------------------------------------------- budget ledger

    @Override
    public Reservation reserve(BudgetKey key, long amount, long ceiling, long allowedExceedances) {
        Objects.requireNonNull(key, "key");
        if (amount < 0) {
            throw new IllegalArgumentException("amount must not be negative");
        }
        return writeAsOwner("budget reserve", c -> {
            ensureRow(c, key);
            long spent;
            long reserved;
            long exceedances;
            try (PreparedStatement ps = c.prepareStatement("SELECT spent, reserved, exceedances FROM cuga_budget "
                + "WHERE profile = ? AND kind = ? AND scope = ? AND value = ?" + dialect.forUpdate())) {
                bindKey(ps, key, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("budget row vanished", "XX000");
                    }
                    spent = rs.getLong(1);
                    reserved = rs.getLong(2);
                    exceedances = rs.getLong(3);
                }
            }
            long used = spent + reserved;
            Admission admission = Admission.decide(used, exceedances, amount, ceiling, allowedExceedances);
            if (admission == Admission.REFUSED) {
                return new Reservation(key, amount, admission, used, exceedances);
            }
            long over = admission == Admission.OVER ? 1 : 0;
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_budget SET reserved = reserved + ?, "
                + "exceedances = exceedances + ? WHERE profile = ? AND kind = ? AND scope = ? AND value = ?")) {
                ps.setLong(1, amount);
                ps.setLong(2, over);
                bindKey(ps, key, 3);
                ps.executeUpdate();
            }
            String hold = BudgetHolds.insert(c, dialect, key, amount, owner);
            return new Reservation(key, amount, admission, used + amount, exceedances + over, hold);
        });
    }

    private static void ensureRow(Connection c, BudgetKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_budget (profile, kind, scope, value, "
            + "spent, reserved, exceedances) VALUES (?, ?, ?, ?, 0, 0, 0) "
            + "ON CONFLICT (profile, kind, scope, value) DO NOTHING")) {
            bindKey(ps, key, 1);
            ps.executeUpdate();
        }
    }

    private static void bindKey(PreparedStatement ps, BudgetKey key, int from) throws SQLException {
        ps.setString(from, key.profile());
        ps.setString(from + 1, key.kind());
        ps.setString(from + 2, key.scope());
        ps.setString(from + 3, key.value());
    }

    @Override
    public void settle(Reservation reservation, long actual) {
        if (actual < 0) {
            throw new IllegalArgumentException("actual must not be negative");
        }
        adjust("budget settle", reservation, actual);
    }

    @Override
    public void release(Reservation reservation) {
        adjust("budget release", reservation, 0);
    }

    private void adjust(String what, Reservation reservation, long spent) {
        Objects.requireNonNull(reservation, "reservation");
        if (reservation.admission() == Admission.REFUSED) {
            throw new IllegalArgumentException("a refused reservation holds nothing to settle or release");
        }
        write(what, c -> {
            // a hold already released (its instance was taken for stopped) is not released twice
            long held = reservation.hold().isEmpty() || BudgetHolds.remove(c, reservation.hold())
                ? reservation.amount() : 0;
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_budget SET spent = spent + ?, "
                + "reserved = CASE WHEN reserved > ? THEN reserved - ? ELSE 0 END "
                + "WHERE profile = ? AND kind = ? AND scope = ? AND value = ?")) {
                ps.setLong(1, spent);
                ps.setLong(2, held);
                ps.setLong(3, held);
                bindKey(ps, reservation.key(), 4);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Balance balance(BudgetKey key) {
        Objects.requireNonNull(key, "key");
        return read("budget balance", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT spent, reserved, exceedances FROM cuga_budget "
                + "WHERE profile = ? AND kind = ? AND scope = ? AND value = ?")) {
                bindKey(ps, key, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Balance(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : Balance.ZERO;
                }
            }
        });
    }

    // ---------------------------------------------------------------- instances

    @Override
    public String instance() {
        return owner;
    }

    @Override
    public boolean isLive(String instance) {
        if (owner.equals(instance)) {
            return true;
        }
        if (instance == null || instance.isEmpty()) {
            return false;
        }
        return read("instance check", c -> BudgetHolds.isLive(c, dialect, instance, options.holdLeaseMillis() * 1000));
    }

    // ---------------------------------------------------------------- approvals

    private static final String APPROVAL_COLUMNS = "id, status, created_us, expires_us, call_id, trace_id, "
        + "profile, session, requester, tool, risk, arguments, required_because, decided_by, decided_us, "
        + "decision_reason, outcome";

    @Override
    public Approval create(Approval a) {
        Objects.requireNonNull(a, "approval");
        if (a.status() != Approval.Status.PENDING) {
            throw new IllegalArgumentException("a new approval is PENDING, not " + a.status());
        }
        Approval stored = new Approval(a.id(), a.status(), AuditCodec.micros(a.createdAt()),
            AuditCodec.micros(a.expiresAt()), a.callId(), a.traceId(), a.profile(), a.session(), a.requester(),
            a.tool(), a.risk(), a.arguments(), a.requiredBecause(), "", null, "", Map.of());
        String arguments = codec.json(stored.arguments());
        return write("approval create", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_approval (" + APPROVAL_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                ps.setString(2, stored.status().name());
                ps.setLong(3, AuditCodec.epochMicros(stored.createdAt()));
                ps.setLong(4, AuditCodec.epochMicros(stored.expiresAt()));
                ps.setString(5, stored.callId());
                ps.setString(6, stored.traceId());
                ps.setString(7, stored.profile());
                ps.setString(8, stored.session());
                ps.setString(9, stored.requester());
                ps.setString(10, stored.tool());
                ps.setString(11, stored.risk());
                ps.setString(12, arguments);
                ps.setString(13, stored.requiredBecause());
                ps.setString(14, "");
                ps.setNull(15, java.sql.Types.BIGINT);
                ps.setString(16, "");
                ps.setString(17, "");
                ps.executeUpdate();
            }
            return stored;
        });
    }

    @Override
    public Optional<Approval> get(String id) {
        Objects.requireNonNull(id, "id");
        return read("approval get", c -> find(c, id));
    }

    private Optional<Approval> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + APPROVAL_COLUMNS
            + " FROM cuga_approval WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(approval(rs)) : Optional.empty();
            }
        }
    }

    private Approval approval(ResultSet rs) throws SQLException {
        long decided = rs.getLong(15);
        boolean decidedNull = rs.wasNull();
        try {
            return new Approval(rs.getString(1), Approval.Status.valueOf(rs.getString(2)),
                AuditCodec.fromMicros(rs.getLong(3)), AuditCodec.fromMicros(rs.getLong(4)), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11), codec.jsonMap(rs.getString(12)), rs.getString(13), rs.getString(14),
                decidedNull ? null : AuditCodec.fromMicros(decided), rs.getString(16),
                codec.jsonMap(rs.getString(17)));
        } catch (IllegalArgumentException e) {
            throw new SQLException("approval " + rs.getString(1) + " is unreadable: " + e.getMessage(), "XX001", e);
        }
    }

    @Override
    public List<Approval> list(Approval.Status status, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        return read("approval list", c -> {
            String sql = "SELECT " + APPROVAL_COLUMNS + " FROM cuga_approval"
                + (status == null ? "" : " WHERE status = ?") + " ORDER BY created_us DESC, id LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (status != null) {
                    ps.setString(i++, status.name());
                }
                ps.setLong(i, limit);
                List<Approval> list = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(approval(rs));
                    }
                }
                return list;
            }
        });
    }

    @Override
    public Optional<Approval> decide(String id, Approval.Status status, String decidedBy, String reason,
        Instant now) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(now, "now");
        if (status != Approval.Status.APPROVED && status != Approval.Status.REJECTED) {
            throw new IllegalArgumentException("a decision is APPROVED or REJECTED, not " + status);
        }
        return write("approval decide", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_approval SET status = ?, decided_by = ?, "
                + "decided_us = ?, decision_reason = ? WHERE id = ? AND status = 'PENDING' AND expires_us > ?")) {
                ps.setString(1, status.name());
                ps.setString(2, decidedBy == null ? "" : decidedBy);
                ps.setLong(3, AuditCodec.epochMicros(now));
                ps.setString(4, reason == null ? "" : reason);
                ps.setString(5, id);
                ps.setLong(6, AuditCodec.epochMicros(now));
                ps.executeUpdate();
            }
            return find(c, id);
        });
    }

    @Override
    public List<Approval> expire(Instant now) {
        Objects.requireNonNull(now, "now");
        return write("approval expire", c -> {
            List<Approval> expired = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_approval SET status = 'EXPIRED', "
                + "decided_us = ? WHERE status = 'PENDING' AND expires_us <= ? RETURNING " + APPROVAL_COLUMNS)) {
                ps.setLong(1, AuditCodec.epochMicros(now));
                ps.setLong(2, AuditCodec.epochMicros(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        expired.add(approval(rs));
                    }
                }
            }
            return expired;
        });
    }

    @Override
    public void recordOutcome(String id, Map<String, Object> outcome) {
        Objects.requireNonNull(id, "id");
        String json = codec.json(outcome == null ? Map.of() : outcome);
        write("approval outcome", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_approval SET outcome = ? WHERE id = ?")) {
                ps.setString(1, json);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- tasks and sessions

    private static final String TASK_COLUMNS = "id, version, status, profile, session, caller, created_us, "
        + "updated_us, document";

    @Override
    public StoredDocument createTask(StoredDocument task) {
        Objects.requireNonNull(task, "task");
        if (task.version() != 0) {
            throw new IllegalArgumentException("a new task has version 0, not " + task.version());
        }
        StoredDocument stored = new StoredDocument(task.id(), 1, task.status(), task.profile(), task.session(),
            task.caller(), AuditCodec.micros(task.createdAt()), AuditCodec.micros(Instant.now()), task.document());
        return writeAsOwner("task create", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_task (" + TASK_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                ps.setString(1, stored.id());
                ps.setLong(2, stored.version());
                ps.setString(3, stored.status());
                ps.setString(4, stored.profile());
                ps.setString(5, stored.session());
                ps.setString(6, stored.caller());
                ps.setLong(7, AuditCodec.epochMicros(stored.createdAt()));
                ps.setLong(8, AuditCodec.epochMicros(stored.updatedAt()));
                ps.setString(9, stored.document());
                if (ps.executeUpdate() == 0) {
                    throw new IllegalArgumentException("a task with id '" + stored.id() + "' exists already");
                }
            }
            return stored;
        });
    }

    @Override
    public StoredDocument updateTask(StoredDocument task) {
        Objects.requireNonNull(task, "task");
        StoredDocument stored = task.at(task.version() + 1, AuditCodec.micros(Instant.now()));
        return write("task update", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_task SET version = ?, status = ?, "
                + "updated_us = ?, document = ? WHERE id = ? AND version = ?")) {
                ps.setLong(1, stored.version());
                ps.setString(2, stored.status());
                ps.setLong(3, AuditCodec.epochMicros(stored.updatedAt()));
                ps.setString(4, stored.document());
                ps.setString(5, stored.id());
                ps.setLong(6, task.version());
                if (ps.executeUpdate() == 0) {
                    throw new VersionConflictException("task " + task.id() + " is no longer at version "
                        + task.version() + " (changed elsewhere, or gone)");
                }
            }
            return stored;
        });
    }

    @Override
    public Optional<StoredDocument> getTask(String id) {
        Objects.requireNonNull(id, "id");
        return read("task get", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM cuga_task WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(task(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<StoredDocument> listTasks(Query q) {
        Objects.requireNonNull(q, "query");
        StringBuilder sql = new StringBuilder("SELECT " + TASK_COLUMNS + " FROM cuga_task WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        filter(sql, args, "profile", blankToNull(q.profile()));
        filter(sql, args, "session", blankToNull(q.session()));
        filter(sql, args, "caller", blankToNull(q.caller()));
        if (!q.statuses().isEmpty()) {
            sql.append(" AND status IN (").append(String.join(", ", java.util.Collections.nCopies(q.statuses().size(),
                "?"))).append(')');
            args.addAll(new java.util.TreeSet<>(q.statuses()));
        }
        sql.append(" ORDER BY created_us DESC, id LIMIT ?");
        args.add((long) q.limit());
        return read("task list", c -> {
            List<StoredDocument> list = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        list.add(task(rs));
                    }
                }
            }
            return list;
        });
    }

    private static StoredDocument task(ResultSet rs) throws SQLException {
        return new StoredDocument(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getString(6), AuditCodec.fromMicros(rs.getLong(7)), AuditCodec.fromMicros(rs.getLong(8)),
            rs.getString(9));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public StoredDocument saveSession(StoredDocument session) {
        Objects.requireNonNull(session, "session");
        StoredDocument stored = new StoredDocument(session.id(), session.version() + 1, "", session.profile(), "",
            session.caller(), AuditCodec.micros(session.createdAt()), AuditCodec.micros(Instant.now()),
            session.document());
        return write("session save", c -> {
            int rows;
            if (session.version() == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_session (profile, id, version, "
                    + "caller, created_us, updated_us, document) VALUES (?, ?, 1, ?, ?, ?, ?) "
                    + "ON CONFLICT (profile, id) DO NOTHING")) {
                    ps.setString(1, stored.profile());
                    ps.setString(2, stored.id());
                    ps.setString(3, stored.caller());
                    ps.setLong(4, AuditCodec.epochMicros(stored.createdAt()));
                    ps.setLong(5, AuditCodec.epochMicros(stored.updatedAt()));
                    ps.setString(6, stored.document());
                    rows = ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_session SET version = ?, updated_us = ?, "
                    + "document = ? WHERE profile = ? AND id = ? AND version = ?")) {
                    ps.setLong(1, stored.version());
                    ps.setLong(2, AuditCodec.epochMicros(stored.updatedAt()));
                    ps.setString(3, stored.document());
                    ps.setString(4, stored.profile());
                    ps.setString(5, stored.id());
                    ps.setLong(6, session.version());
                    rows = ps.executeUpdate();
                }
            }
            if (rows == 0) {
                throw new VersionConflictException("session " + session.id() + " of profile " + session.profile()
                    + " is no longer at version " + session.version());
            }
            return stored;
        });
    }

    @Override
    public Optional<StoredDocument> getSession(String profile, String id) {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(id, "id");
        return read("session get", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, version, profile, caller, created_us, "
                + "updated_us, document FROM cuga_session WHERE profile = ? AND id = ?")) {
                ps.setString(1, profile);
                ps.setString(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new StoredDocument(rs.getString(1), rs.getLong(2), "",
                        rs.getString(3), "", rs.getString(4), AuditCodec.fromMicros(rs.getLong(5)),
                        AuditCodec.fromMicros(rs.getLong(6)), rs.getString(7))) : Optional.empty();
                }
            }
        });
    }
}
