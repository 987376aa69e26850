package io.cuga.tool.mcp.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.DiagnosticSource;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Reads the MCP servers file, runs a {@link ServerConnection} per entry and registers each server's tools as
 * Tool services named {@code <server>_<tool>}. Polls the file: a new entry starts a server, a removed one stops
 * it, an edited one restarts it; a file with a mistake is refused whole and the running servers are kept.
 * Deactivation stops every server, closing every session and ending every child process tree.
 *
 * <p>This component keeps one thread of its own that polls the file and stops servers; every server starts,
 * restarts and is pinged on a worker thread of its own ({@link ServerConnection}), so a server that hangs while
 * starting delays neither the others nor the polling. A configuration change restarts only the servers it
 * concerns. Tool calls run on the orchestrator's threads.
 */
@Component(immediate = true, configurationPid = McpToolConfig.PID)
@Designate(ocd = McpToolConfig.class)
public class McpToolSource implements DiagnosticSource {

    private static final Logger LOG = LoggerFactory.getLogger(McpToolSource.class);

    /** Service property of every MCP tool: the server's name. */
    static final String SERVER = "cuga.mcp.server";
    /** Service property of every MCP tool: the tool's name on its server. */
    static final String MCP_TOOL = "cuga.mcp.tool";

    private final BundleContext context;
    private final ScheduledExecutorService scheduler;
    /** the file, the settings and the poll task: read and written on the scheduler thread only */
    private Path file;
    private Settings settings;
    private long pollMillis;
    private ScheduledFuture<?> poll;
    private final ObjectMapper mapper = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Map<String, ServerConnection> servers = new LinkedHashMap<>();
    /** cuga tool name -> registration, over all servers */
    private final Map<String, Registered> registered = new HashMap<>();
    private String lastText;
    /** an edit read once and not yet acted on: it is applied when the next poll reads the same text */
    private String pendingText;
    /** whether the file has been polled since it was configured: what the first poll reads is acted on at once */
    private boolean readOnce;
    private volatile String lastProblem;
    /** When the servers file's current problem was first seen. */
    private volatile Instant problemSince;

    private record Registered(String server, Map<String, Object> properties, ServiceRegistration<Tool> registration) {
    }

    @Activate
    public McpToolSource(BundleContext context, McpToolConfig config) {
        this.context = context;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-mcp");
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(() -> configure(config));
    }

    /** A new configuration: servers keep running unless the change concerns them. */
    @Modified
    void modified(McpToolConfig config) {
        try {
            scheduler.execute(() -> configure(config));
        } catch (RejectedExecutionException e) {
            // deactivated meanwhile
        }
    }

    private void configure(McpToolConfig config) {
        String data = context.getProperty("cuga.data");
        Settings next = Settings.of(config, Paths.get(data == null ? "data" : data).toAbsolutePath());
        Path nextFile = serversFile(config.servers_file(), System.getenv(McpToolConfig.ENV_SERVERS_FILE),
            context.getProperty("cuga.config"));
        Settings previous = settings;
        settings = next;
        if (previous != null && !previous.equals(next)) {
            List<ServerConnection> all;
            synchronized (this) {
                all = new ArrayList<>(servers.values());
            }
            List<ServerSpec> restart = new ArrayList<>();
            for (ServerConnection server : all) {
                if (server.settings().needsRestart(next)) {
                    restart.add(server.spec());
                } else {
                    server.update(next);
                }
            }
            if (!restart.isEmpty()) {
                LOG.info("MCP settings changed: restarting {} servers", restart.size());
                replace(restart);
            }
        }
        if (!Objects.equals(file, nextFile) || previous == null) {
            file = nextFile;
            lastText = null;
            pendingText = null;
            readOnce = false;
            lastProblem = null;
            if (file == null) {
                LOG.info("No MCP servers file: set {} or servers.file of {}", McpToolConfig.ENV_SERVERS_FILE,
                    McpToolConfig.PID);
                apply(List.of());
            } else {
                LOG.info("MCP servers file {} (checked every {} ms)", file, config.poll_millis());
            }
        }
        if (file == null) {
            cancelPoll();
        } else if (poll == null || pollMillis != config.poll_millis()) {
            cancelPoll();
            pollMillis = config.poll_millis();
            poll = scheduler.scheduleWithFixedDelay(this::tick, 0, pollMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelPoll() {
        if (poll != null) {
            poll.cancel(false);
            poll = null;
        }
    }

    /** Stops these servers and starts them again with the current settings. */
    private void replace(List<ServerSpec> specs) {
        List<ServerConnection> old = new ArrayList<>();
        List<ServerConnection> fresh = new ArrayList<>();
        synchronized (this) {
            for (ServerSpec spec : specs) {
                ServerConnection running = servers.remove(spec.name());
                if (running != null) {
                    old.add(running);
                }
                ServerConnection c = new ServerConnection(spec, settings, this::publish, mapper);
                servers.put(spec.name(), c);
                fresh.add(c);
            }
        }
        old.forEach(ServerConnection::stop);
        fresh.forEach(ServerConnection::start);
    }

    static Path serversFile(String configured, String env, String configDir) {
        String path = configured != null && !configured.isBlank() ? configured.trim()
            : env != null && !env.isBlank() ? env.trim() : null;
        if (path == null) {
            return null;
        }
        Path p = Paths.get(path);
        if (!p.isAbsolute() && configDir != null) {
            p = Paths.get(configDir).resolve(p);
        }
        return p.toAbsolutePath().normalize();
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("MCP scheduler still busy after 30 s; stopping the servers anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ServerConnection> all;
        synchronized (this) {
            all = new ArrayList<>(servers.values());
            servers.clear();
        }
        for (ServerConnection server : all) {
            server.stop();
        }
        synchronized (this) {
            for (Registered r : registered.values()) {
                unregister(r.registration);
            }
            registered.clear();
        }
    }

    /**
     * Polls the file once now, on the polling thread, and waits for it.
     *
     * @throws Exception if the poll fails or does not end within 30 seconds
     */
    void pollNow() throws Exception {
        scheduler.submit(this::tick).get(30, TimeUnit.SECONDS);
    }

    private void tick() {
        if (file == null) {
            return;
        }
        try {
            reload();
            List<ServerConnection> all;
            synchronized (this) {
                all = new ArrayList<>(servers.values());
            }
            for (ServerConnection server : all) {
                server.checkHealth();
            }
        } catch (RuntimeException e) {
            LOG.warn("MCP servers check failed: {}", String.valueOf(e));
        }
    }

    private void reload() {
        boolean first = !readOnce;
        readOnce = true;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            problem("MCP servers file " + file + " does not exist; keeping the " + servers.size()
                + " servers running");
            return;
        } catch (IOException e) {
            problem("MCP servers file " + file + " cannot be read (" + e + "); keeping the servers running");
            return;
        }
        if (text.equals(lastText)) {
            pendingText = null;
            return;
        }
        if (!first && !text.equals(pendingText)) {
            // an edit is acted on once two polls in a row read it: a file being rewritten in place (truncated,
            // then written) is never taken half-written for a file with fewer servers
            pendingText = text;
            return;
        }
        pendingText = null;
        List<ServerSpec> specs;
        try {
            specs = ServersFile.parse(file.toString(), text, System::getenv);
        } catch (ServersFile.Invalid e) {
            lastText = text;
            problem(e.getMessage() + "; the file is ignored until fixed, the servers running are kept");
            return;
        }
        lastText = text;
        lastProblem = null;
        apply(specs);
    }

    private void problem(String message) {
        if (!message.equals(lastProblem)) {
            LOG.warn("{}", message);
            problemSince = Instant.now();
            lastProblem = message;
        }
    }

    /**
     * What stands in the way now: a servers file that cannot be used, and each server that is not connected (it
     * could not start or went down) with why; shown in the diagnostics route and on the console's Tools page.
     */
    @Override
    public List<Diagnostic> diagnostics() {
        List<Diagnostic> out = new ArrayList<>();
        String problem = lastProblem;
        Instant since = problemSince;
        if (problem != null) {
            out.add(new Diagnostic("mcp_servers_file", "mcp servers file", problem, since == null ? Instant.now()
                : since));
        }
        List<ServerConnection> all;
        synchronized (this) {
            all = new ArrayList<>(servers.values());
        }
        for (ServerConnection server : all) {
            Diagnostic d = server.diagnostic();
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    private void apply(List<ServerSpec> specs) {
        Map<String, ServerSpec> wanted = new LinkedHashMap<>();
        for (ServerSpec spec : specs) {
            wanted.put(spec.name(), spec);
        }
        List<ServerConnection> toStop = new ArrayList<>();
        List<ServerConnection> toStart = new ArrayList<>();
        synchronized (this) {
            for (ServerConnection running : new ArrayList<>(servers.values())) {
                ServerSpec spec = wanted.get(running.name());
                if (spec == null || !spec.withoutLine().equals(running.spec().withoutLine())) {
                    servers.remove(running.name());
                    toStop.add(running);
                    LOG.info("MCP server '{}' {}", running.name(), spec == null ? "removed from the file"
                        : "changed in the file: restarting it");
                }
            }
            for (ServerSpec spec : wanted.values()) {
                if (!servers.containsKey(spec.name())) {
                    ServerConnection connection = new ServerConnection(spec, settings, this::publish, mapper);
                    servers.put(spec.name(), connection);
                    toStart.add(connection);
                }
            }
        }
        for (ServerConnection c : toStop) {
            c.stop();
        }
        for (ServerConnection c : toStart) {
            c.start();
        }
    }

    /** Replaces the Tool services of a server with those of its current tool list. */
    synchronized void publish(ServerConnection server, List<McpSchema.Tool> tools) {
        Map<String, Map<String, Object>> desired = new LinkedHashMap<>();
        Map<String, String> mcpNames = new HashMap<>();
        for (McpSchema.Tool tool : tools) {
            String name = ToolMapping.name(server.name(), tool.name());
            Registered other = registered.get(name);
            if (desired.containsKey(name) || (other != null && !other.server.equals(server.name()))) {
                LOG.warn("MCP tool '{}' of server '{}' is not registered: its name '{}' is already taken by {}",
                    tool.name(), server.name(), name, desired.containsKey(name)
                        ? "the tool '" + mcpNames.get(name) + "' of the same server"
                        : "a tool of server '" + other.server + "'");
                continue;
            }
            desired.put(name, properties(server, tool, name));
            mcpNames.put(name, tool.name());
        }
        for (Map.Entry<String, Registered> e : new ArrayList<>(registered.entrySet())) {
            Registered r = e.getValue();
            if (r.server.equals(server.name()) && !Objects.equals(desired.get(e.getKey()), r.properties)) {
                registered.remove(e.getKey());
                unregister(r.registration);
            }
        }
        for (Map.Entry<String, Map<String, Object>> e : desired.entrySet()) {
            if (!registered.containsKey(e.getKey())) {
                Dictionary<String, Object> props = new Hashtable<>(e.getValue());
                try {
                    ServiceRegistration<Tool> reg = context.registerService(Tool.class,
                        new McpTool(server, mcpNames.get(e.getKey())), props);
                    registered.put(e.getKey(), new Registered(server.name(), e.getValue(), reg));
                } catch (IllegalStateException ex) {
                    return; // the bundle is stopping
                }
            }
        }
    }

    private Map<String, Object> properties(ServerConnection server, McpSchema.Tool tool, String name) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(Tool.NAME, name);
        props.put(Tool.DESCRIPTION, ToolMapping.description(server.name(), tool));
        RiskTier risk = ToolMapping.risk(server.spec(), tool);
        props.put(Tool.RISK, risk.name());
        try {
            props.put(Tool.SCHEMA, mapper.writeValueAsString(ToolMapping.schema(tool)));
        } catch (JsonProcessingException e) {
            props.put(Tool.SCHEMA, "{\"type\":\"object\"}");
        }
        props.put(SERVER, server.name());
        props.put(MCP_TOOL, tool.name());
        return props;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
    }
}
