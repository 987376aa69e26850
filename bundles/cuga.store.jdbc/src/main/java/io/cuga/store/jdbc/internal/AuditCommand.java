package io.cuga.store.jdbc.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

import io.cuga.api.store.ChainVerification;
import io.cuga.store.jdbc.JdbcStore;
import io.cuga.store.jdbc.Dialect;

/**
 * {@code ./cuga audit verify}: opens the configured store read-only and checks the audit trail's hash chain.
 * Exit status: 0 intact, 1 broken (the first broken position and why on standard error), 2 usage error or the
 * database cannot be read.
 */
public final class AuditCommand {

    static final int INTACT = 0;
    static final int BROKEN = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
        usage: ./cuga audit verify [--sqlite FILE | --postgres URL [--user USER]] [--config DIR] [--data DIR]

        Checks the audit trail's hash chain: every record's hash, its link to the record before, its indexed
        columns against its content, and that no record is missing. Without --sqlite or --postgres it opens the
        store configured in DIR/cuga.store.cfg (default: runtime-config; SQLite file default: DATA/cuga.db).
        The PostgreSQL password comes from postgres.password.env, postgres.password.file or postgres.password
        in that file, or from the environment variable CUGA_STORE_PASSWORD.
        Exit status: 0 intact, 1 broken (first broken record and why), 2 usage error or database unreachable.
        """;

    private AuditCommand() {
    }

    /**
     * @param args {@code verify [options]}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.length == 0) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if ("help".equals(args[0]) || "-h".equals(args[0]) || "--help".equals(args[0])) {
            out.print(USAGE_TEXT);
            return INTACT;
        }
        if (!"verify".equals(args[0])) {
            err.println("cuga audit: unknown command '" + args[0] + "'");
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String root = System.getProperty("cuga.root", ".");
        String sqlite = null;
        String postgres = null;
        String user = null;
        Path config = Path.of(root, "runtime-config");
        Path data = Path.of(root, "data");
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                return usage(err, "option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--sqlite" -> sqlite = v;
                case "--postgres" -> postgres = v;
                case "--user" -> user = v;
                case "--config" -> config = Path.of(v);
                case "--data" -> data = Path.of(v);
                default -> {
                    return usage(err, "unknown option '" + a + "'");
                }
            }
        }
        if (sqlite != null && postgres != null) {
            return usage(err, "--sqlite and --postgres exclude each other");
        }
        Properties cfg = new Properties();
        Path cfgFile = config.resolve("cuga.store.cfg");
        if (sqlite == null && postgres == null && Files.isRegularFile(cfgFile)) {
            try (Reader r = Files.newBufferedReader(cfgFile, StandardCharsets.UTF_8)) {
                cfg.load(r);
            } catch (IOException e) {
                err.println("cuga audit: cannot read " + cfgFile + ": " + e.getMessage());
                return USAGE;
            }
        }
        String backend = postgres != null ? "postgres" : sqlite != null ? "sqlite"
            : value(cfg, "backend", "sqlite");
        String target = backend;
        Connection c;
        try {
            if ("sqlite".equals(backend)) {
                Path file = sqlite != null ? Path.of(sqlite)
                    : value(cfg, "sqlite.file", "").isEmpty() ? data.resolve("cuga.db")
                    : Path.of(value(cfg, "sqlite.file", ""));
                target = "SQLite at " + file.toAbsolutePath();
                if (!Files.isRegularFile(file)) {
                    err.println("cuga audit: no database at " + file.toAbsolutePath());
                    return USAGE;
                }
                Properties p = new Properties();
                p.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY: verifying never writes
                c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), p);
            } else if ("postgres".equals(backend)) {
                String url = postgres != null ? postgres
                    : value(cfg, "postgres.url", "jdbc:postgresql://127.0.0.1:5432/cuga");
                target = Dialect.POSTGRES.displayName() + " at "
                    + url.replaceFirst("^jdbc:postgresql://", "").replaceAll("[/?].*", "");
                Properties p = new Properties();
                p.setProperty("user", user != null ? user : value(cfg, "postgres.user", "cuga"));
                String password = password(cfg, env);
                if (!password.isEmpty()) {
                    p.setProperty("password", password);
                }
                p.setProperty("connectTimeout", "5");
                p.setProperty("socketTimeout", "300");
                p.setProperty("readOnly", "true");
                c = DriverManager.getConnection(url, p);
            } else {
                return usage(err, "backend must be sqlite or postgres, not '" + backend + "'");
            }
        } catch (SQLException e) {
            err.println("cuga audit: cannot open the store: " + new Failures(target).describe(e));
            return USAGE;
        }
        try (Connection conn = c) {
            ChainVerification v = JdbcStore.verifyChain(conn);
            if (v.intact()) {
                out.println(target + ": audit chain intact, " + v.records() + " record(s)");
                return INTACT;
            }
            err.println(target + ": audit chain BROKEN at record " + v.firstBrokenSeq() + ": " + v.problem()
                + " (" + v.records() + " record(s) before it are intact)");
            return BROKEN;
        } catch (SQLException e) {
            err.println("cuga audit: cannot read the audit trail of " + target + ": "
                + new Failures(target).detail(e));
            return USAGE;
        }
    }

    private static String password(Properties cfg, Map<String, String> env) {
        String var = value(cfg, "postgres.password.env", "");
        if (!var.isEmpty() && env.get(var) != null) {
            return env.get(var);
        }
        String file = value(cfg, "postgres.password.file", "");
        if (!file.isEmpty()) {
            try {
                return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                // fall through to the other sources
            }
        }
        String inline = value(cfg, "postgres.password", "");
        if (!inline.isEmpty()) {
            return inline;
        }
        return env.getOrDefault("CUGA_STORE_PASSWORD", "");
    }

    /** A .cfg value: surrounding quotes (FileInstall's typed syntax) removed. */
    private static String value(Properties cfg, String key, String dflt) {
        String v = cfg.getProperty(key);
        if (v == null) {
            return dflt;
        }
        v = v.trim();
        if (v.length() >= 2 && v.endsWith("\"") && (v.startsWith("\"") || v.matches("^[A-Za-z]\".*"))) {
            v = v.substring(v.indexOf('"') + 1, v.length() - 1);
        }
        return v.isEmpty() ? dflt : v;
    }

    private static int usage(PrintStream err, String message) {
        err.println("cuga audit: " + message);
        err.print(USAGE_TEXT);
        return USAGE;
    }
}
