package io.cuga.store.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import io.cuga.api.store.BudgetLedger.BudgetKey;
import io.cuga.store.jdbc.Dialect;

/**
 * The SQL of budget holds (schema migration 3): each admitted reservation is a row owned by the store instance
 * that made it, and each instance beats its row in {@code cuga_store_owner} on the database's clock. The holds
 * of an instance that stopped beating for longer than the lease (a crashed or killed replica) are released by
 * any other instance, or by the restarted server: their calls cannot end any more, and without this their
 * amounts would stay reserved for ever. Every method runs inside the caller's transaction.
 */
public final class BudgetHolds {

    /** At most this many holds are released in one transaction; the next round takes the rest. */
    static final int RELEASE_BATCH = 500;

    private BudgetHolds() {
    }

    /**
     * What one round of releasing found.
     *
     * @param holds how many holds were released
     * @param units their amounts together
     * @param owners the instances they belonged to
     */
    public record Released(int holds, long units, List<String> owners) {
    }

    /** @return a new store instance id: the process and host, and a random part, so the log says whose it is */
    public static String newOwner() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLoopbackAddress().getHostName();
            } catch (RuntimeException e) {
                host = "localhost";
            }
        }
        return ProcessHandle.current().pid() + "@" + host + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Records a hold.
     *
     * @param c a connection in a write transaction
     * @param dialect the database
     * @param key what it holds on
     * @param amount how much
     * @param owner the store instance
     * @return the hold's id
     * @throws SQLException when the database fails
     */
    public static String insert(Connection c, Dialect dialect, BudgetKey key, long amount, String owner)
        throws SQLException {
        String id = UUID.randomUUID().toString();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_budget_hold (id, profile, kind, scope, "
            + "value, amount, owner, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, " + dialect.nowMicros() + ")")) {
            ps.setString(1, id);
            ps.setString(2, key.profile());
            ps.setString(3, key.kind());
            ps.setString(4, key.scope());
            ps.setString(5, key.value());
            ps.setLong(6, amount);
            ps.setString(7, owner);
            ps.executeUpdate();
        }
        return id;
    }

    /**
     * Removes a hold.
     *
     * @param c a connection in a write transaction
     * @param id the hold
     * @return whether it was still there (false: it was already released, its amount is no longer reserved)
     * @throws SQLException when the database fails
     */
    public static boolean remove(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cuga_budget_hold WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Beats an instance's row on the database's clock, creating it when missing (the first beat, or after
     * others took the instance for stopped).
     *
     * @param c a connection in a write transaction
     * @param dialect the database
     * @param owner the store instance
     * @throws SQLException when the database fails
     */
    public static void beat(Connection c, Dialect dialect, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cuga_store_owner (owner, started_us, seen_us) "
            + "VALUES (?, " + dialect.nowMicros() + ", " + dialect.nowMicros() + ") "
            + "ON CONFLICT (owner) DO UPDATE SET seen_us = excluded.seen_us")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
    }

    /**
     * @param c a connection
     * @param dialect the database
     * @param instance a store instance
     * @param leaseMicros how long an instance may stay silent
     * @return whether it has beaten within the lease
     * @throws SQLException when the database fails
     */
    public static boolean isLive(Connection c, Dialect dialect, String instance, long leaseMicros)
        throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM cuga_store_owner WHERE owner = ? AND seen_us >= "
            + dialect.nowMicros() + " - ?")) {
            ps.setString(1, instance);
            ps.setLong(2, leaseMicros);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Releases the holds of instances other than {@code self} that have not beaten for {@code leaseMicros}
     * (or, with no row at all, whose holds are older than that), and forgets such instances once they hold
     * nothing.
     *
     * @param c a connection in a write transaction
     * @param dialect the database
     * @param self this store instance, never released here
     * @param leaseMicros how long an instance may stay silent
     * @return what was released
     * @throws SQLException when the database fails
     */
    public static Released releaseStale(Connection c, Dialect dialect, String self, long leaseMicros)
        throws SQLException {
        List<Hold> stale;
        try (PreparedStatement ps = c.prepareStatement("SELECT h.id, h.profile, h.kind, h.scope, h.value, h.amount, "
            + "h.owner FROM cuga_budget_hold h LEFT JOIN cuga_store_owner o ON o.owner = h.owner "
            + "WHERE h.owner <> ? AND ((o.owner IS NULL AND h.created_us < " + dialect.nowMicros() + " - ?) "
            + "OR o.seen_us < " + dialect.nowMicros() + " - ?) LIMIT " + RELEASE_BATCH)) {
            ps.setString(1, self);
            ps.setLong(2, leaseMicros);
            ps.setLong(3, leaseMicros);
            stale = holds(ps);
        }
        Released released = giveBack(c, stale);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cuga_store_owner WHERE owner <> ? AND seen_us < "
            + dialect.nowMicros() + " - ? AND NOT EXISTS (SELECT 1 FROM cuga_budget_hold h "
            + "WHERE h.owner = cuga_store_owner.owner)")) {
            ps.setString(1, self);
            ps.setLong(2, leaseMicros);
            ps.executeUpdate();
        }
        return released;
    }

    private record Hold(String id, BudgetKey key, long amount, String owner) {
    }

    private static List<Hold> holds(PreparedStatement ps) throws SQLException {
        List<Hold> found = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                found.add(new Hold(rs.getString(1), new BudgetKey(rs.getString(2), rs.getString(3), rs.getString(4),
                    rs.getString(5)), rs.getLong(6), rs.getString(7)));
            }
        }
        return found;
    }

    /** Deletes the holds and takes their amounts off what is reserved, each only once. */
    private static Released giveBack(Connection c, List<Hold> holds) throws SQLException {
        int released = 0;
        long units = 0;
        TreeSet<String> owners = new TreeSet<>();
        for (Hold h : holds) {
            // another instance may release the same hold at the same time: whoever deletes it gives it back
            if (!remove(c, h.id())) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE cuga_budget SET reserved = CASE WHEN "
                + "reserved > ? THEN reserved - ? ELSE 0 END WHERE profile = ? AND kind = ? AND scope = ? "
                + "AND value = ?")) {
                ps.setLong(1, h.amount());
                ps.setLong(2, h.amount());
                ps.setString(3, h.key().profile());
                ps.setString(4, h.key().kind());
                ps.setString(5, h.key().scope());
                ps.setString(6, h.key().value());
                ps.executeUpdate();
            }
            released++;
            units += h.amount();
            owners.add(h.owner());
        }
        return new Released(released, units, List.copyOf(owners));
    }

    /**
     * Releases what an instance that stops cleanly still holds (calls that can no longer end: a call that does
     * end later still counts what it spent, and releases nothing twice) and forgets the instance.
     *
     * @param c a connection in a write transaction
     * @param owner the store instance
     * @return what was released
     * @throws SQLException when the database fails
     */
    public static Released forget(Connection c, String owner) throws SQLException {
        List<Hold> own;
        try (PreparedStatement ps = c.prepareStatement("SELECT id, profile, kind, scope, value, amount, owner "
            + "FROM cuga_budget_hold WHERE owner = ?")) {
            ps.setString(1, owner);
            own = holds(ps);
        }
        Released released = giveBack(c, own);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cuga_store_owner WHERE owner = ?")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
        return released;
    }
}
