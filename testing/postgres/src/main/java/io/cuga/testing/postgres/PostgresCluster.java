package io.cuga.testing.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster for tests: {@code initdb} into a temporary directory, {@code pg_ctl start} on a
 * free port of 127.0.0.1 only (its Unix socket inside that directory), trust authentication for the user
 * {@value #USER}. Run as root, the binaries run as the {@code postgres} user ({@code runuser -u postgres}) and the
 * directory is handed to that user. {@link #close()} stops the server and deletes the directory.
 *
 * <p>The cluster can be stopped and started again on the same port and data ({@link #stop()},
 * {@link #start()}): tests of "the database went away and came back" use that.
 */
public final class PostgresCluster implements AutoCloseable {

    /** The superuser the cluster is created with (trust authentication on 127.0.0.1). */
    public static final String USER = "cuga";

    private static final long TIMEOUT_SECONDS = 60;

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;
    private boolean running;

    private PostgresCluster(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /**
     * @return the directory holding {@code initdb} and {@code pg_ctl}: from the PATH, else the newest
     *     {@code /usr/lib/postgresql/<major>/bin}; empty when there is none
     */
    public static Optional<Path> findBinaries() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                Path initdb = Path.of(entry.isEmpty() ? "." : entry, "initdb");
                if (!entry.isEmpty() && Files.isExecutable(initdb) && Files.isExecutable(Path.of(entry, "pg_ctl"))) {
                    try {
                        // a link such as /usr/local/bin/initdb: the real folder also holds createdb
                        return Optional.of(initdb.toRealPath().getParent());
                    } catch (IOException e) {
                        return Optional.of(Path.of(entry));
                    }
                }
            }
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                .max(Comparator.comparingInt(PostgresCluster::major));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int major(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * @return true when a missing PostgreSQL must fail the tests instead of skipping them: system property
     *     {@code cuga.require.postgres=true} or environment {@code CI=true}
     */
    public static boolean required() {
        return Boolean.getBoolean("cuga.require.postgres") || "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Creates and starts a cluster.
     *
     * @param bin the directory of {@code initdb} and {@code pg_ctl}
     * @return the running cluster
     * @throws IOException when it cannot be created or started (the server's log is in the message)
     */
    public static PostgresCluster start(Path bin) throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("cuga-pg-");
        if (root) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal postgres = users.lookupPrincipalByName("postgres");
            GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            view.setOwner(postgres);
            view.setGroup(group);
        }
        PostgresCluster cluster = new PostgresCluster(bin, dir, freePort(), root);
        try {
            cluster.run(List.of(bin.resolve("initdb").toString(), "-D", cluster.data.toString(), "-U", USER,
                "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"));
            // only loopback; the socket in our own directory (the default one may not exist or be writable)
            Files.writeString(cluster.data.resolve("postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\n"
                + "port = " + cluster.port + "\nunix_socket_directories = '" + dir + "'\n"
                + "max_connections = 200\nfsync = on\nlog_min_messages = warning\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            cluster.start();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts the server (again), waiting until it accepts connections. */
    public synchronized void start() throws IOException {
        if (running) {
            return;
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
            dir.resolve("server.log").toString(), "-w", "-t", "60", "start"));
        running = true;
    }

    /** Stops the server at once (fast shutdown: connections are cut), keeping its data. */
    public synchronized void stop() throws IOException {
        if (!running) {
            return;
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60",
            "stop"));
        running = false;
    }

    /** @return the port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return whether the server runs */
    public synchronized boolean running() {
        return running;
    }

    /**
     * @param database the database
     * @return {@code jdbc:postgresql://127.0.0.1:<port>/<database>}
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /**
     * Creates a database (owned by {@value #USER}) with {@code createdb}.
     *
     * @param name the database's name (letters, digits, underscore)
     * @return its JDBC URL
     */
    public String createDatabase(String name) throws IOException {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("bad database name " + name);
        }
        run(List.of(bin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
            USER, name));
        return jdbcUrl(name);
    }

    /** Stops the server and deletes its directory. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (IOException e) {
            // the directory goes anyway; the process dies with its data directory's removal at worst
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temp directory left behind is not a test failure
        }
    }

    private void run(List<String> command) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Path log = Files.createTempFile("cuga-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                String serverLog = "";
                Path server = dir.resolve("server.log");
                if (Files.isReadable(server)) {
                    serverLog = "\nserver.log:\n" + Files.readString(server, StandardCharsets.UTF_8);
                }
                throw new IOException(String.join(" ", command) + " failed with " + p.exitValue() + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8) + serverLog);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
