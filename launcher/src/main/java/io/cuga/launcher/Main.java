package io.cuga.launcher;

import io.cuga.launcher.Features.BundleRef;
import io.cuga.launcher.Options.UsageException;
import io.cuga.launcher.config.Modes;
import io.cuga.launcher.config.Modes.ModeException;
import io.cuga.launcher.config.Resolved;
import io.cuga.launcher.config.Resolver;
import io.cuga.launcher.config.Schema;
import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Starts cuga: Felix with the bundles of the feature files, the framework properties the bundles rely on, and the
 * secrets; then waits until SIGINT/SIGTERM stops the framework cleanly (exit 0).
 */
public final class Main {

    /** When the start began: ./cuga passes the moment it starts the JVM; otherwise the process's start. */
    private static final long STARTED = Long.getLong("cuga.started",
            ProcessHandle.current().info().startInstant().orElseGet(Instant::now).toEpochMilli());
    private static final PrintStream OUT = System.out;

    private final Options options;
    private final AtomicInteger signals = new AtomicInteger();
    private volatile Framework framework;

    private Main(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        int code;
        try {
            Options options = Options.parse(List.of(args), Paths.get("").toAbsolutePath(), defaultHome());
            if (options.help()) {
                OUT.println(Options.USAGE);
                code = 0;
            } else {
                code = new Main(options).run();
            }
        } catch (UsageException e) {
            System.err.println("cuga: " + e.getMessage() + "\n" + Options.USAGE);
            code = 2;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            code = 2;
        } catch (IOException | BundleException | RuntimeException e) {
            System.err.println("cuga: cannot start: " + e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            code = 1;
        }
        System.exit(code);
    }

    /** Configuration the server must not start with: the message is the lines to print. */
    static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }

    /**
     * Resolves the layered configuration (docs/configuration.md) and checks the mode; refuses a configuration
     * with unknown keys or wrong types unless --lenient.
     */
    static String checkConfiguration(Options options, Map<String, String> env, Path cwd) throws IOException,
            ConfigException {
        Schema schema = Schema.fromFolders(List.of(options.home().resolve("repository"), options.deploy()));
        Resolved resolved = Resolver.resolve(new Resolver.Inputs(options.config(), cwd, env, options.sets()), schema,
                !options.lenient());
        if (!resolved.problems().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Resolved.Problem p : resolved.problems()) {
                sb.append(sb.length() == 0 ? "" : "\n").append("cuga: ")
                        .append(options.lenient() ? "warning: configuration: " : "invalid configuration: ").append(p);
            }
            if (!options.lenient()) {
                throw new ConfigException(sb + "\ncuga: not starting; ./cuga config explain lists the known keys"
                        + " (--lenient starts anyway, ignoring these)");
            }
            System.err.println(sb);
        }
        try {
            return Modes.check(options.mode(), resolved, env, options.config(), cwd);
        } catch (ModeException e) {
            throw new ConfigException("cuga: not starting: " + e.getMessage());
        }
    }

    private int run() throws IOException, BundleException, InterruptedException, ConfigException {
        Path repository = options.home().resolve("repository");
        List<BundleRef> plan = Features.plan(Features.readAll(options.home().resolve("features")));
        List<BundleRef> missing = Features.missing(plan, repository);
        if (!missing.isEmpty()) {
            throw new IOException("the distribution " + options.home() + " lacks bundles its features name: "
                    + missing.stream().map(b -> b.id() + " (feature " + b.feature() + ", expected at "
                            + b.in(repository) + ")").collect(Collectors.joining("; "))
                    + ". Rebuild it: mvn -B -DskipTests package");
        }
        if (!Files.isDirectory(options.config())) {
            throw new IOException("no configuration folder at " + options.config() + " (--config DIR)");
        }
        Files.createDirectories(options.data());
        Files.createDirectories(options.deploy());
        String modeLine = checkConfiguration(options, System.getenv(), Paths.get("").toAbsolutePath());
        checkPortFree();
        Secrets secrets = new Secrets(options.data());
        String tokenWhere = secrets.adminToken(System.getenv());
        Secrets.Console console = secrets.console(System.getenv());

        int finalLevel = Features.finalStartLevel(plan);
        Map<String, String> props = frameworkProperties(plan, repository, finalLevel, console);
        // log4j2 configuration reads system properties (${sys:cuga.data}); the framework falls back to them too
        for (String key : List.of("cuga.home", "cuga.data", "cuga.deploy", "cuga.config")) {
            System.setProperty(key, props.get(key));
        }
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IOException("no OSGi framework on the class path (lib/)"));
        Map<String, Object> config = new HashMap<>(props);
        config.put("felix.log.logger", new FrameworkLog());
        @SuppressWarnings({"unchecked", "rawtypes"})
        Framework fw = factory.newFramework((Map) config); // Felix takes the logger object among its properties
        framework = fw;
        fw.init();
        BundleContext context = fw.getBundleContext();
        List<String> installed = new ArrayList<>();
        for (BundleRef ref : plan) {
            Bundle b = context.installBundle(ref.in(repository).toUri().toString());
            b.adapt(BundleStartLevel.class).setStartLevel(ref.startOrder());
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start(); // persistent: begins when the framework reaches the bundle's start level
            }
            installed.add(b.getLocation());
        }
        handleSignals();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAndWait, "cuga-shutdown"));
        banner(tokenWhere, console, installed.size(), finalLevel);
        OUT.println("  " + modeLine);

        fw.start(); // Felix raises the start level to the final one before returning
        awaitHttp(installed, "cuga ready", STARTED);
        FrameworkEvent stopped = fw.waitForStop(0);
        while (stopped.getType() == FrameworkEvent.STOPPED_UPDATE && signals.get() == 0) {
            // an update (Web Console: restart) stops the framework, and Felix starts it again by itself
            OUT.println("cuga restarting the framework");
            long restart = System.currentTimeMillis();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (fw.getState() != Bundle.ACTIVE && signals.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            awaitHttp(installed, "cuga ready again", restart);
            stopped = fw.waitForStop(0);
        }
        OUT.println("cuga stopped");
        return stopped.getType() == FrameworkEvent.ERROR && signals.get() == 0 ? 1 : 0;
    }

    Map<String, String> frameworkProperties(List<BundleRef> plan, Path repository, int finalLevel,
            Secrets.Console console) {
        Map<String, String> p = new HashMap<>();
        String data = options.data().toString();
        p.put(Constants.FRAMEWORK_STORAGE, options.data().resolve("felix-cache").toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(finalLevel));
        p.put("felix.startlevel.bundle", Integer.toString(finalLevel)); // bundles installed later (console)
        p.put("felix.log.level", "1"); // errors, through FrameworkLog
        p.put("cuga.home", options.home().toString());
        p.put("cuga.data", data);
        p.put("cuga.deploy", options.deploy().toString());
        p.put("cuga.config", options.config().toString());
        // the layered configuration: cuga.runtime re-resolves it in the framework with the same inputs
        p.put("cuga.config.set", String.join("\n", options.sets()));
        p.put("cuga.config.strict", Boolean.toString(!options.lenient()));
        p.put("cuga.config.mode", options.mode());
        p.put("cuga.http.port", Integer.toString(options.port()));
        p.put("cuga.http.host", options.host());
        p.put("cuga.feature.bundles", plan.stream().map(b -> b.in(repository).toUri().toString())
                .collect(Collectors.joining(",")));
        p.put("org.osgi.service.http.port", Integer.toString(options.port()));
        p.put("org.apache.felix.http.host", options.host());
        // hot deploy: FileInstall watches the deploy folder (cuga.runtime adds a watcher for the config folder)
        p.put("felix.fileinstall.dir", options.deploy().toString());
        p.put("felix.fileinstall.poll", "250");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.bundles.new.start", "true");
        p.put("felix.fileinstall.enableConfigSave", "false");
        p.put("felix.fileinstall.start.level", Integer.toString(finalLevel));
        p.put("felix.fileinstall.tmpdir", options.data().resolve("tmp").resolve("fileinstall").toString());
        p.put("felix.fileinstall.log.level", "3");
        // logging: Pax Logging (log4j2 inside), configured from runtime-config/logging/; its own bootstrap
        // chatter (about forty INFO lines per start) stays quiet, its warnings and errors still show
        p.put("org.ops4j.pax.logging.DefaultServiceLog.level", "WARN");
        for (String name : List.of("log4j2.xml", "log4j2.properties")) {
            Path file = options.config().resolve("logging").resolve(name);
            if (Files.isRegularFile(file)) {
                p.put("org.ops4j.pax.logging.property.file", file.toString());
                break;
            }
        }
        // the Web Console reads these as its defaults when it starts: it never runs on admin/admin
        p.put("felix.webconsole.username", console.user());
        p.put("felix.webconsole.password", Secrets.consoleHash(console.password()));
        p.put("felix.webconsole.realm", "cuga Web Console");
        return p;
    }

    private void checkPortFree() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(options.host(), options.port()));
        } catch (IOException e) {
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + " (" + e.getMessage()
                    + "): is another server using it? Choose one with --port N");
        }
    }

    private void banner(String tokenWhere, Secrets.Console console, int bundles, int finalLevel) {
        String base = "http://" + clientHost() + ":" + options.port();
        OUT.printf(Locale.ROOT, "cuga %s on Java %s: %d bundles up to start level %d%n",
                String.valueOf(Main.class.getPackage().getImplementationVersion()), Runtime.version(), bundles,
                finalLevel);
        OUT.println("  listening on  " + options.host() + ":" + options.port());
        OUT.println("  API           " + base + "/api/v1");
        OUT.println("  Web Console   " + base + "/system/console  (user " + console.user() + ", password "
                + console.where() + ")");
        OUT.println("  metrics       " + base + "/metrics");
        OUT.println("  admin token   " + tokenWhere);
        OUT.println("  data " + options.data() + "  deploy " + options.deploy() + "  config " + options.config());
    }

    /** Prints the ready line once the HTTP port answers, then names feature bundles that are not active. */
    private void awaitHttp(List<String> installed, String ready, long since) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (signals.get() == 0 && framework.getState() == Bundle.ACTIVE) {
            if (answers()) {
                OUT.printf(Locale.ROOT, "%s in %.1f s%n", ready, (System.currentTimeMillis() - since) / 1000.0);
                BundleContext context = framework.getBundleContext();
                for (String location : installed) {
                    Bundle b = context.getBundle(location);
                    if (b == null) {
                        System.err.println("cuga: warning: bundle " + location + " is no longer installed");
                        continue;
                    }
                    boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
                    if (b.getState() != (fragment ? Bundle.RESOLVED : Bundle.ACTIVE)) {
                        System.err.println("cuga: warning: bundle " + name(b) + " is " + state(b) + ", not "
                                + (fragment ? "RESOLVED" : "ACTIVE"));
                    }
                }
                return;
            }
            if (System.nanoTime() > deadline) {
                System.err.println("cuga: warning: port " + options.port() + " did not answer within 60 s; see "
                        + options.data().resolve("logs"));
                return;
            }
            Thread.sleep(50);
        }
    }

    private boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + clientHost() + ":" + options.port()
                    + "/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            c.setInstanceFollowRedirects(false);
            try {
                return c.getResponseCode() > 0;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private String clientHost() {
        String h = options.host();
        if (h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            return "127.0.0.1";
        }
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /** SIGINT/SIGTERM: stop the framework (the main thread then exits 0); a second signal exits at once. */
    @SuppressWarnings("restriction")
    private void handleSignals() {
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    if (signals.incrementAndGet() > 1) {
                        System.err.println("cuga: second signal, exiting without waiting");
                        Runtime.getRuntime().halt(130);
                    }
                    OUT.println("cuga stopping (SIG" + sig.getName() + ")");
                    stopFramework();
                });
            } catch (IllegalArgumentException e) {
                // this JVM does not let us handle it; the shutdown hook still stops the framework
            }
        }
    }

    private void stopFramework() {
        try {
            framework.stop(); // asynchronous in Felix; waitForStop in the main thread returns when done
        } catch (BundleException e) {
            System.err.println("cuga: stopping the framework failed: " + causes(e));
        }
    }

    /** Shutdown hook for exits we did not start (SIGHUP, System.exit elsewhere): stop cleanly first. */
    private void stopAndWait() {
        Framework fw = framework;
        if (fw != null && (fw.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
            try {
                fw.stop();
                fw.waitForStop(30_000);
            } catch (BundleException | InterruptedException e) {
                // exiting anyway
            }
        }
    }

    /**
     * Felix's own messages ({@code felix.log.logger}, errors only with {@code felix.log.level=1}): one line each
     * with the chain of causes, never a stack trace. Bundles log through Pax Logging instead.
     */
    static final class FrameworkLog extends org.apache.felix.framework.Logger {
        @Override
        protected void doLog(Bundle bundle, ServiceReference sr, int level, String message, Throwable error) {
            String kind = level <= LOG_ERROR ? "error" : level == LOG_WARNING ? "warning" : "info";
            System.err.println("cuga: framework " + kind + ": " + message
                    + (error == null ? "" : ": " + causes(error)));
        }
    }

    private static Path defaultHome() {
        try {
            Path jar = Paths.get(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(jar) ? jar.getParent().getParent() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String name(Bundle b) {
        return b == null ? "the framework" : b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.INSTALLED -> "INSTALLED (not resolved)";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }

    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 2000; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(sb.length() == 0 ? "" : " <- ").append(c.getMessage() != null ? c.getMessage() : c.toString());
        }
        return sb.toString();
    }
}
