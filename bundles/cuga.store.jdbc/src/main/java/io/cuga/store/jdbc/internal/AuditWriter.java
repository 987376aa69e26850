package io.cuga.store.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.store.jdbc.Dialect;
import io.cuga.store.jdbc.JdbcStore;

/**
 * The one thread that writes a store's audit records. Callers enqueue their records and block; the writer takes
 * whatever is waiting (up to the batch size, never splitting one caller's records), and in one transaction locks
 * the chain head, assigns positions and hashes, inserts the rows, moves the head and commits. Then every caller
 * of the batch returns. When the transaction fails, every caller of the batch gets a
 * {@link StoreUnavailableException} and none of the batch's rows exists.
 *
 * <p>A caller that waited {@code appendTimeoutMillis} without its records being taken withdraws them and gets
 * an exception; once taken, it waits for the transaction's end (bounded by the database's timeouts), so an
 * append never reports a failure for records that became visible.
 */
public final class AuditWriter {

    private static final Logger LOG = LoggerFactory.getLogger(AuditWriter.class);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;

    /** One caller's records. */
    private static final class Request {
        final List<AuditRecord> records;
        final List<String> bodies;
        final CompletableFuture<List<AuditRecord>> done = new CompletableFuture<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);

        Request(List<AuditRecord> records, List<String> bodies) {
            this.records = records;
            this.bodies = bodies;
        }
    }

    private final JdbcStore store;
    private final DataSource dataSource;
    private final Dialect dialect;
    private final int batchMax;
    private final long appendTimeoutMillis;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>(100_000);
    private volatile boolean running = true;
    private Thread thread;
    private Request carried;
    private Connection connection;

    /**
     * @param store the store (availability and failure reporting)
     * @param dataSource the database
     * @param dialect its dialect
     * @param batchMax the most records per transaction
     * @param appendTimeoutMillis how long a caller waits for its records to be taken
     */
    public AuditWriter(JdbcStore store, DataSource dataSource, Dialect dialect, int batchMax,
        long appendTimeoutMillis) {
        this.store = store;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.batchMax = batchMax;
        this.appendTimeoutMillis = appendTimeoutMillis;
    }

    /**
     * @param name the thread's name
     */
    public void start(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the thread; callers still waiting get an exception. */
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Request r;
        while ((r = queue.poll()) != null) {
            fail(r, new StoreUnavailableException("the store is closed"));
        }
        closeConnection();
    }

    /**
     * @param records the records, normalised (time in microseconds)
     * @param bodies their canonical bodies
     * @return the records as appended
     */
    public List<AuditRecord> append(List<AuditRecord> records, List<String> bodies) {
        if (!running) {
            throw new StoreUnavailableException("the store is closed");
        }
        Request request = new Request(records, bodies);
        try {
            if (!queue.offer(request, appendTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new StoreUnavailableException("the audit trail is overloaded: appends are not keeping up");
            }
            try {
                return request.done.get(appendTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (request.state.compareAndSet(QUEUED, WITHDRAWN)) {
                    queue.remove(request);
                    throw new StoreUnavailableException("the audit trail did not take the records within "
                        + appendTimeoutMillis + " ms");
                }
                // taken: the transaction is running; its outcome is ours
                return request.done.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (request.state.compareAndSet(QUEUED, WITHDRAWN)) {
                queue.remove(request);
                throw new StoreUnavailableException("interrupted before the audit records were written");
            }
            try {
                return request.done.get();
            } catch (InterruptedException | ExecutionException again) {
                throw unwrap(again);
            }
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    private static RuntimeException unwrap(Exception e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new StoreUnavailableException("the audit records were not written", e);
    }

    private void run() {
        while (running) {
            List<Request> batch;
            try {
                batch = takeBatch();
            } catch (InterruptedException e) {
                break;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                store.underWriteLock(() -> write(batch));
            } catch (RuntimeException e) {
                LOG.error("The audit writer failed unexpectedly", e);
                StoreUnavailableException failure = e instanceof StoreUnavailableException s ? s
                    : new StoreUnavailableException("the audit trail failed", e);
                batch.forEach(r -> fail(r, failure));
            }
        }
        closeConnection();
    }

    private List<Request> takeBatch() throws InterruptedException {
        List<Request> batch = new ArrayList<>();
        int count = 0;
        Request next = carried != null ? carried : queue.poll(200, TimeUnit.MILLISECONDS);
        carried = null;
        while (next != null) {
            if (next.state.compareAndSet(QUEUED, TAKEN)) {
                if (!batch.isEmpty() && count + next.records.size() > batchMax) {
                    carried = next;
                    break;
                }
                batch.add(next);
                count += next.records.size();
                if (count >= batchMax) {
                    break;
                }
            }
            next = queue.poll();
        }
        return batch;
    }

    private void write(List<Request> batch) {
        try {
            store.ensureAvailable();
        } catch (StoreUnavailableException e) {
            batch.forEach(r -> fail(r, e));
            return;
        }
        boolean reused = connection != null;
        try {
            commit(batch);
        } catch (SQLException first) {
            closeConnection();
            if (reused && store.problem().isEmpty()) {
                // a kept connection may have died while idle (database restarted): one retry on a fresh one;
                // the failed transaction left nothing behind
                try {
                    commit(batch);
                    return;
                } catch (SQLException second) {
                    closeConnection();
                    first = second;
                }
            }
            StoreUnavailableException failure = store.failed("audit append", first);
            batch.forEach(r -> fail(r, failure));
        }
    }

    private void commit(List<Request> batch) throws SQLException {
        if (connection == null) {
            connection = dataSource.getConnection();
        }
        Connection c = connection;
        List<List<AuditRecord>> results = new ArrayList<>(batch.size());
        c.setAutoCommit(false);
        try {
            long seq;
            String prev;
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq, hash FROM cuga_audit_head WHERE id = 1" + dialect.forUpdate());
                ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the audit chain head row is missing", "XX000");
                }
                seq = rs.getLong(1);
                prev = rs.getString(2);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_audit (seq, id, time_us, kind, "
                + "trace_id, call_id, tool, decision, profile, body, prev_hash, hash) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Request r : batch) {
                    List<AuditRecord> appended = new ArrayList<>(r.records.size());
                    for (int i = 0; i < r.records.size(); i++) {
                        AuditRecord rec = r.records.get(i);
                        String body = r.bodies.get(i);
                        seq++;
                        String hash = AuditCodec.hash(prev, body);
                        ps.setLong(1, seq);
                        ps.setString(2, rec.id());
                        ps.setLong(3, AuditCodec.epochMicros(rec.time()));
                        ps.setString(4, rec.kind());
                        ps.setString(5, rec.traceId());
                        ps.setString(6, rec.callId());
                        ps.setString(7, rec.tool());
                        ps.setString(8, rec.decision());
                        ps.setString(9, rec.profile());
                        ps.setString(10, body);
                        ps.setString(11, prev);
                        ps.setString(12, hash);
                        ps.addBatch();
                        appended.add(rec.appended(seq, prev, hash));
                        prev = hash;
                    }
                    results.add(appended);
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_audit_head SET seq = ?, hash = ? WHERE id = 1")) {
                ps.setLong(1, seq);
                ps.setString(2, prev);
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone, and the transaction with it
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // closed with the connection on the failure path
            }
        }
        store.succeeded();
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done.complete(results.get(i));
        }
    }

    private static void fail(Request r, RuntimeException e) {
        r.done.completeExceptionally(e);
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }
}
