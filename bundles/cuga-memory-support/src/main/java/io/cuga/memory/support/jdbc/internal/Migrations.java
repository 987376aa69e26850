package io.cuga.memory.support.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.memory.support.internal.Times;

/**
 * Versioned schema migrations of a memory backend, kept apart from the store's own: numbered SQL resources
 * {@code migrations/1.sql}, {@code 2.sql} ... next to the backend's class, the version reached in table
 * {@value #TABLE}. All pending migrations run in one transaction, so a failure leaves the schema as it was.
 *
 * <p>Resource format: a statement ends with {@code ;} at the end of a line (a trigger keeps its body on one
 * line); lines starting with {@code --} are comments.
 */
public final class Migrations {

    /** The table holding the applied versions. */
    public static final String TABLE = "cuga_memory_schema_version";

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /** The schema in the database is newer than this bundle knows, or a resource is missing. */
    public static final class MigrationException extends Exception {
        private static final long serialVersionUID = 1L;

        MigrationException(String message) {
            super(message);
        }
    }

    /**
     * Brings the schema to {@code latest}.
     *
     * @param c a connection (its auto-commit is restored)
     * @param anchor the class next to whose package the {@code migrations/} folder lies
     * @param latest the newest version this bundle knows
     * @param lockStatement a statement that serialises concurrent migrations (PostgreSQL: an advisory lock), or
     *     null
     * @param backend the backend's name, for the log
     * @return the version before the migration
     * @throws SQLException when the database fails (rolled back)
     * @throws MigrationException when the schema is newer than {@code latest} or a resource is missing
     */
    public static int migrate(Connection c, Class<?> anchor, int latest, String lockStatement, String backend)
        throws SQLException, MigrationException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (lockStatement != null) {
                s.execute(lockStatement);
            }
            s.execute("CREATE TABLE IF NOT EXISTS " + TABLE
                + " (version INTEGER PRIMARY KEY, applied_us BIGINT NOT NULL)");
            int current;
            try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + TABLE)) {
                rs.next();
                current = rs.getInt(1);
            }
            if (current > latest) {
                throw new MigrationException("the memory schema in the database is at version " + current
                    + ", newer than this bundle knows (" + latest + ")");
            }
            for (int v = current + 1; v <= latest; v++) {
                for (String sql : statements(anchor, v)) {
                    s.execute(sql);
                }
                try (PreparedStatement p = c.prepareStatement("INSERT INTO " + TABLE
                    + " (version, applied_us) VALUES (?, ?)")) {
                    p.setInt(1, v);
                    p.setLong(2, Times.micros(java.time.Instant.now()));
                    p.executeUpdate();
                }
            }
            c.commit();
            if (current < latest) {
                LOG.info("Memory schema ({}) migrated from version {} to {}", backend, current, latest);
            }
            return current;
        } catch (SQLException | MigrationException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(auto);
            } catch (SQLException ignored) {
                // the connection is going back to its pool or is closed; nothing to restore
            }
        }
    }

    /**
     * @param anchor the class next to whose package the resources lie
     * @param version a version
     * @return its statements
     * @throws MigrationException when the resource is missing
     */
    static List<String> statements(Class<?> anchor, int version) throws MigrationException {
        String name = "migrations/" + version + ".sql";
        String text;
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new MigrationException("memory migration " + name + " is missing from the bundle");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MigrationException("memory migration " + name + " cannot be read: " + e.getMessage());
        }
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new MigrationException("memory migration " + name + " ends without ';'");
        }
        return statements;
    }
}
