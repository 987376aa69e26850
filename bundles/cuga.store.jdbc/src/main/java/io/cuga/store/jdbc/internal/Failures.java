package io.cuga.store.jdbc.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * Turns database failures into one-line reasons that are safe to show to clients: the database's name and
 * address (never credentials), what went wrong in words, never SQL or a stack trace.
 */
public final class Failures {

    private final String target;

    /**
     * @param target the database, such as {@code PostgreSQL at 127.0.0.1:5432}
     */
    public Failures(String target) {
        this.target = target;
    }

    /**
     * @param e a failure
     * @return true when it means the database cannot be reached (or opened) at all, as opposed to one
     *     statement failing
     */
    public boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof SocketTimeoutException
                || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                || t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                || t instanceof java.io.EOFException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("28")
                    || state.equals("3D000"))) {
                    return true;
                }
                String m = upper(s.getMessage());
                if (m.contains("SQLITE_CANTOPEN") || m.contains("SQLITE_READONLY") || m.contains("SQLITE_FULL")
                    || m.contains("SQLITE_IOERR") || m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param e a failure
     * @return the reason, for clients and readiness
     */
    public String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return target + " unreachable: connection refused";
            }
            if (t instanceof SocketTimeoutException) {
                return target + " unreachable: timed out";
            }
            if (t instanceof UnknownHostException) {
                return target + " unreachable: unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return target + " unreachable: no route to host";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState() == null ? "" : s.getSQLState();
                String m = upper(s.getMessage());
                if (m.startsWith("NO SUITABLE DRIVER")) {
                    return target + ": no JDBC driver for this URL on the class path";
                }
                if (m.contains("SQLITE_READONLY")) {
                    return target + " is read-only";
                }
                if (m.contains("SQLITE_FULL")) {
                    return target + ": the disk is full";
                }
                if (m.contains("SQLITE_CANTOPEN")) {
                    return target + ": cannot open the database file (missing or unwritable folder)";
                }
                if (m.contains("SQLITE_IOERR")) {
                    return target + ": I/O error";
                }
                if (m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT")) {
                    return target + ": the file is not a valid database";
                }
                if (m.contains("SQLITE_BUSY")) {
                    return target + ": the database is locked by another writer (busy timeout passed)";
                }
                if (state.startsWith("28")) {
                    return target + ": authentication failed";
                }
                if (state.equals("3D000")) {
                    return target + ": the database does not exist";
                }
                if (state.startsWith("57P")) {
                    return target + " unreachable: the server is shutting down or starting";
                }
                if (state.startsWith("08") || t instanceof SQLNonTransientConnectionException) {
                    return target + " unreachable: connection lost";
                }
                if (t instanceof SQLTransientConnectionException) {
                    if (t.getCause() == null && m.contains("TIMED OUT")) {
                        return target + " unreachable: no connection within the connect timeout";
                    }
                    continue;
                }
                if (state.equals("57014")) {
                    return target + ": the statement timed out";
                }
                return target + ": database error" + (state.isEmpty() ? "" : " (SQLState " + state + ")");
            }
        }
        if (e instanceof java.io.EOFException) {
            return target + " unreachable: connection lost";
        }
        return target + ": " + e.getClass().getSimpleName();
    }

    /**
     * @param e a failure
     * @return the database's own message, first line, for operators (readiness, log), never for API clients
     */
    public String detail(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && t.getMessage() != null) {
                String line = t.getMessage().lines().findFirst().orElse("").strip();
                return line.length() > 240 ? line.substring(0, 240) + "..." : line;
            }
        }
        return String.valueOf(e.getMessage());
    }

    private static String upper(String s) {
        return s == null ? "" : s.toUpperCase(Locale.ROOT);
    }
}
