package io.cuga.runtime.internal;

import io.cuga.launcher.config.Layer;
import io.cuga.launcher.config.Resolved;
import io.cuga.launcher.config.Resolver;
import io.cuga.launcher.config.Schema;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays the configuration layers above the {@code .cfg} files (cuga.toml, cuga.yaml, .env, environment, --set;
 * docs/configuration.md) over each PID's ConfigAdmin configuration, as a ConfigurationPlugin: components get the
 * merged values through their typed configuration as usual, while FileInstall keeps owning the {@code .cfg} files.
 * The files are polled; on a change (seen by two polls in a row, so a file is not read while it is being
 * written) the layers are re-resolved and each PID whose values changed is updated, so its component is
 * reconfigured without a restart. The environment and --set (framework property
 * {@code cuga.config.set}) stay as the process started with them. An edit with problems (unknown key, wrong
 * type) is refused under strict configuration: logged with its source, the previous values stay.
 *
 * <p>The {@code .cfg} files stay FileInstall's: it writes them into ConfigAdmin as before. What ConfigAdmin hands
 * a component from a {@code .cfg} file (property {@code felix.fileinstall.filename}) is checked here against the
 * PID's or factory's metatype; with problems (unknown key, wrong type) each is logged with file:line and, strict,
 * the component keeps the last values that passed (a file broken from the start: without the offending
 * properties). Keys {@code <factoryPid>~<name>.<property>} in the other layers create or update the factory
 * configuration {@code <factoryPid>~<name>}, the same one FileInstall makes of {@code <factoryPid>-<name>.cfg}.
 */
@Component(service = {ConfigurationPlugin.class, ConfigurationListener.class}, immediate = true,
        configurationPid = ConfigFolderWatch.PID,
        property = {ConfigurationPlugin.CM_RANKING + ":Integer=100"})
public final class LayeredConfiguration implements ConfigurationPlugin, ConfigurationListener {

    /** Set on a configuration this component created (a PID with layered values and no .cfg file). */
    static final String MARKER = "cuga.config.layered";

    /** The property FileInstall sets on a configuration it made from a file: the file's URI. */
    static final String FILENAME = "felix.fileinstall.filename";

    private static final Logger LOG = LoggerFactory.getLogger(LayeredConfiguration.class);

    private final ConfigurationAdmin configAdmin;
    private final Path folder;
    private final List<Path> schemaFolders;
    private final List<String> sets;
    private final boolean strict;
    private final Path cwd = Paths.get(System.getProperty("user.dir", ".")).toAbsolutePath();
    private final ScheduledExecutorService poller;
    private volatile Map<String, Map<String, Object>> overlay = Map.of();
    private volatile List<String> stamps = List.of();
    /** stamps seen once and not yet acted on: the poller thread's only */
    private List<String> pending;
    private volatile Schema schema = new Schema();
    /** Per PID, the last .cfg-delivered properties that passed the check (before the overlay). */
    private final Map<String, Map<String, Object>> lastGood = new ConcurrentHashMap<>();
    /** Per PID, the problems last logged for its .cfg file, so each delivery does not log them again. */
    private final Map<String, String> logged = new ConcurrentHashMap<>();

    @Activate
    public LayeredConfiguration(BundleContext context, ConfigFolderWatch.Config config,
            @Reference ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
        String dir = context.getProperty("cuga.config");
        this.folder = dir == null ? null : Paths.get(dir).toAbsolutePath();
        List<Path> folders = new ArrayList<>();
        for (String p : List.of("cuga.home", "cuga.deploy")) {
            String v = context.getProperty(p);
            if (v != null) {
                folders.add(p.equals("cuga.home") ? Paths.get(v, "repository") : Paths.get(v));
            }
        }
        this.schemaFolders = folders;
        String set = context.getProperty("cuga.config.set");
        this.sets = set == null || set.isBlank() ? List.of() : Arrays.asList(set.split("\n"));
        this.strict = !"false".equals(context.getProperty("cuga.config.strict"));
        if (folder == null || !Files.isDirectory(folder)) {
            LOG.warn("No layered configuration: framework property cuga.config is {}", dir);
            poller = null;
            return;
        }
        stamps = stamps();
        refresh(true);
        rememberCurrentCfgs();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-config-layers");
            t.setDaemon(true);
            return t;
        });
        long poll = Math.max(50, config.poll_ms());
        poller.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object pid = properties.get(Constants.SERVICE_PID);
        if (pid != null && properties.get(FILENAME) != null) {
            checkCfg(pid.toString(), properties);
        }
        Map<String, Object> values = pid == null ? null : overlay.get(pid.toString());
        if (values != null) {
            values.forEach((k, v) -> properties.put(k, v instanceof String[] a ? a.clone() : v));
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        // FileInstall deletes a PID's configuration with its .cfg file: layered values keep one alive
        if (event.getType() == ConfigurationEvent.CM_DELETED && overlay.containsKey(event.getPid())
                && poller != null) {
            poller.execute(() -> ensure(event.getPid()));
        }
    }

    /**
     * Checks what FileInstall put into ConfigAdmin from a .cfg file. Problems are logged with file:line (once per
     * distinct set); under strict configuration the delivered properties are replaced with the last ones that
     * passed, or, without such, the offending properties are left out.
     */
    private void checkCfg(String pid, Dictionary<String, Object> properties) {
        Map<String, Object> props = new TreeMap<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            props.put(k, properties.get(k));
        }
        List<Resolved.Problem> problems = problems(pid, props);
        if (problems.isEmpty()) {
            lastGood.put(pid, props);
            logged.remove(pid);
            return;
        }
        String lines = problems.stream().map(Object::toString).reduce((a, b) -> a + "\n" + b).orElse("");
        boolean log = !lines.equals(logged.put(pid, lines));
        if (log) {
            problems.forEach(p -> LOG.error("Configuration problem: {}", p));
        }
        if (!strict) {
            return;
        }
        Map<String, Object> good = lastGood.get(pid);
        if (good != null) {
            for (String k : props.keySet()) { // props is a copy: the dictionary is not iterated while changed
                if (!k.startsWith("service.")) {
                    properties.remove(k);
                }
            }
            good.forEach((k, v) -> {
                if (!k.startsWith("service.")) {
                    properties.put(k, v);
                }
            });
        } else {
            String prefix = checkedPid(pid, props) + ".";
            problems.stream().map(Resolved.Problem::key).filter(k -> k != null && k.startsWith(prefix))
                    .forEach(k -> properties.remove(k.substring(prefix.length())));
        }
        if (log) {
            LOG.error("Configuration file {} refused (strict): PID {} keeps {}", fileOf(props), pid,
                    good != null ? "its previous values" : "its other values (the offending ones left out)");
        }
    }

    /** The file FileInstall made a configuration from, or null. */
    private static Path fileOf(Map<String, Object> props) {
        try {
            return Paths.get(URI.create(String.valueOf(props.get(FILENAME))));
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            return null;
        }
    }

    private List<Resolved.Problem> problems(String pid, Map<String, Object> props) {
        Path file = fileOf(props);
        if (file == null) {
            return List.of();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            text = "";
        }
        String checked = checkedPid(pid, props);
        if (!schema.knowsPid(checked)) {
            reloadSchema(); // a tool bundle dropped into deploy/ after the last resolve
        }
        return Resolver.checkCfg(schema, checked, file, props, text, strict);
    }

    /** A named factory configuration is checked as {@code factory~name}; an unnamed one against its factory. */
    private static String checkedPid(String pid, Map<String, Object> props) {
        Object factory = props.get(ConfigurationAdmin.SERVICE_FACTORYPID);
        return factory == null || pid.indexOf(Schema.FACTORY_SEPARATOR) > 0 ? pid : factory.toString();
    }

    private void reloadSchema() {
        try {
            schema = Schema.fromFolders(schemaFolders);
        } catch (IOException e) {
            LOG.warn("Metatype not read: {}", e.getMessage());
        }
    }

    /** The .cfg configurations already in ConfigAdmin that pass the check are the first "previous values". */
    private void rememberCurrentCfgs() {
        try {
            Configuration[] all = configAdmin.listConfigurations("(" + FILENAME + "=*)");
            for (Configuration c : all == null ? new Configuration[0] : all) {
                Dictionary<String, Object> d = c.getProperties();
                if (d == null) {
                    continue;
                }
                Map<String, Object> props = new TreeMap<>();
                for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
                    String k = keys.nextElement();
                    props.put(k, d.get(k));
                }
                if (problems(c.getPid(), props).isEmpty()) {
                    lastGood.putIfAbsent(c.getPid(), props);
                }
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.debug("Configurations not listed: {}", e.toString());
        }
    }

    /**
     * Polls the files once now, on the polling thread, and waits for it (tests).
     *
     * @throws Exception when the poll fails or does not end within 30 seconds
     */
    void pollNow() throws Exception {
        poller.submit(this::poll).get(30, TimeUnit.SECONDS);
    }

    /** @return the values the layers above the .cfg files give now, by PID (tests) */
    Map<String, Map<String, Object>> overlay() {
        return overlay;
    }

    private void poll() {
        try {
            List<String> now = stamps();
            if (now.equals(stamps)) {
                pending = null;
            } else if (!now.equals(pending)) {
                // a change is acted on once two polls in a row see it: a file being rewritten in place
                // (truncated, then written) is never read half-written as a file with fewer keys
                pending = now;
            } else {
                pending = null;
                stamps = now;
                refresh(false);
            }
        } catch (RuntimeException e) {
            LOG.warn("Layered configuration poll failed: {}", String.valueOf(e.getMessage()));
        }
    }

    /** Size and modification time of each file a layer reads. */
    private List<String> stamps() {
        List<String> s = new ArrayList<>();
        List<Path> files = new ArrayList<>(List.of(folder.resolve(Resolver.YAML_FILE), folder.resolve(Resolver.TOML_FILE)));
        files.add(folder.toAbsolutePath().getParent() == null ? folder.resolve(Resolver.DOTENV_FILE)
                : folder.toAbsolutePath().getParent().resolve(Resolver.DOTENV_FILE));
        files.add(cwd.resolve(Resolver.DOTENV_FILE));
        for (Path f : files) {
            try {
                s.add(f + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS));
            } catch (IOException e) {
                s.add(f + ":-");
            }
        }
        return s;
    }

    private synchronized void refresh(boolean first) {
        Resolved r;
        try {
            Schema s = Schema.fromFolders(schemaFolders);
            schema = s;
            r = Resolver.resolve(new Resolver.Inputs(folder, cwd, System.getenv(), sets), s, strict);
        } catch (IOException e) {
            LOG.error("Layered configuration not resolved, previous values kept: {}", e.getMessage());
            return;
        }
        // a .cfg file's problems are FileInstall's side: checked (and logged) as ConfigAdmin delivers it
        List<Resolved.Problem> problems = r.problems().stream().filter(p -> p.layer() != Layer.CFG).toList();
        if (!problems.isEmpty()) {
            for (Resolved.Problem p : problems) {
                LOG.error("Configuration problem: {}", p);
            }
            if (strict) {
                LOG.error("Configuration edit refused (strict): the previous values stay in force");
                return;
            }
        }
        Map<String, Map<String, Object>> old = overlay;
        Map<String, Map<String, Object>> next = r.overlay();
        overlay = next;
        Set<String> pids = new HashSet<>(old.keySet());
        pids.addAll(next.keySet());
        Map<String, String> changed = new TreeMap<>();
        for (String pid : pids) {
            if (!same(old.get(pid), next.get(pid))) {
                changed.put(pid, next.containsKey(pid) ? "updated" : "no longer layered");
                update(pid, next.containsKey(pid));
            }
        }
        if (!changed.isEmpty() || first) {
            LOG.info("Layered configuration {}: {}", first ? "applied" : "changed", changed.isEmpty() ? "nothing"
                    : changed);
        }
    }

    private static boolean same(Map<String, Object> a, Map<String, Object> b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> e : a.entrySet()) {
            if (!Objects.deepEquals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Makes ConfigAdmin deliver the PID's configuration again (now with the new overlay). */
    private void update(String pid, boolean layered) {
        try {
            Configuration c = find(pid);
            if (c == null) {
                if (layered) {
                    ensure(pid);
                }
                return;
            }
            Dictionary<String, Object> props = c.getProperties();
            if (!layered && props != null && props.get(MARKER) != null) {
                c.delete(); // ours, and nothing is layered any more: back to the component's defaults
                return;
            }
            c.update(props == null ? new Hashtable<>() : props);
        } catch (IOException | IllegalStateException e) {
            LOG.warn("Configuration {} not updated: {}", pid, String.valueOf(e.getMessage()));
        }
    }

    /** Creates an (otherwise empty) configuration for a PID with layered values and no .cfg file. */
    private synchronized void ensure(String pid) {
        try {
            if (find(pid) != null || !overlay.containsKey(pid)) {
                return;
            }
            int sep = pid.indexOf(Schema.FACTORY_SEPARATOR);
            Configuration c = sep > 0 ? configAdmin.getFactoryConfiguration(pid.substring(0, sep),
                    pid.substring(sep + 1), "?") : configAdmin.getConfiguration(pid, "?");
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(MARKER, Boolean.TRUE);
            c.update(props);
        } catch (IOException | IllegalStateException e) {
            LOG.warn("Configuration {} not created: {}", pid, String.valueOf(e.getMessage()));
        }
    }

    private Configuration find(String pid) throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            return found == null || found.length == 0 ? null : found[0];
        } catch (InvalidSyntaxException e) {
            return null;
        }
    }
}
