package io.cuga.tool.mcp.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.tool.ToolException;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One MCP server: its session, its child process (stdio), its tools and its restarts. Starting, restarting,
 * pinging and re-listing run on the server's own worker thread, so a server that is slow or hangs while
 * starting delays no other server and not the polling of the servers file; a start as a whole is bounded by the
 * connect timeout. {@link #call} runs on the caller's thread. While the server is down its tools are withdrawn;
 * it is restarted with exponential backoff.
 */
final class ServerConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(3);

    /** Where a connection's tools go: the OSGi registry in the bundle, a list in tests. */
    interface ToolSink {
        /** Replaces the tools published for the server (an empty list withdraws them all). */
        void publish(ServerConnection server, List<McpSchema.Tool> tools);
    }

    private final ServerSpec spec;
    private final ScheduledExecutorService worker;
    private final ToolSink sink;
    private final ObjectMapper mapper;
    private final JacksonMcpJsonMapper jsonMapper;

    private volatile McpAsyncClient client;
    private volatile Process process;
    private volatile boolean stopped;
    private volatile Settings settings;
    private final AtomicBoolean pingPending = new AtomicBoolean();
    private int generation;
    private Duration backoff;
    /** Why the server is not connected, and since when; null while it is or before its first start ends. */
    private volatile Diagnostic down;
    private ScheduledFuture<?> restart;

    ServerConnection(ServerSpec spec, Settings settings, ToolSink sink, ObjectMapper mapper) {
        this.spec = spec;
        this.settings = settings;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cuga-mcp-" + spec.name());
            t.setDaemon(true);
            return t;
        });
        this.sink = sink;
        this.mapper = mapper;
        this.jsonMapper = new JacksonMcpJsonMapper(mapper);
        this.backoff = settings.restartInitial();
    }

    ServerSpec spec() {
        return spec;
    }

    String name() {
        return spec.name();
    }

    /** @return true while connected (its tools are published) */
    boolean up() {
        return client != null;
    }

    /** @return the stdio child while connected, else null */
    Process process() {
        return process;
    }

    /** @return the settings in force */
    Settings settings() {
        return settings;
    }

    /**
     * Takes new settings that need no reconnect (see {@link Settings#needsRestart}): timeouts of starts, the
     * restart backoff and the size limits apply from the next use on.
     */
    void update(Settings next) {
        this.settings = next;
    }

    /**
     * Connects on this server's worker; on failure a restart is scheduled there.
     *
     * @return done when the first attempt has connected or failed
     */
    Future<?> start() {
        try {
            return worker.submit(this::connectNow);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(null); // stopped
        }
    }

    private synchronized void connectNow() {
        if (stopped) {
            return;
        }
        int gen = ++generation;
        try {
            connect(gen);
            backoff = settings.restartInitial();
            down = null;
        } catch (RuntimeException | IOException e) {
            if (stopped) {
                LOG.info("MCP server '{}' stopped while starting", spec.name());
            } else {
                LOG.warn("MCP server '{}' could not start: {}", spec.name(), message(e));
                markDown("it could not start: " + message(e));
            }
            disconnect();
            scheduleRestart();
        }
    }

    private void connect(int gen) throws IOException {
        Settings settings = this.settings;
        Instant deadline = Instant.now().plus(settings.connectTimeout());
        McpClientTransport transport;
        ConfinedStdioTransport stdio = null;
        if (spec.transport() == ServerSpec.Transport.STDIO) {
            stdio = stdioTransport();
            transport = stdio;
        } else {
            transport = httpTransport();
        }
        McpAsyncClient c = McpClient.async(transport)
            .clientInfo(new McpSchema.Implementation("cuga", "1.0.0"))
            .requestTimeout(settings.callTimeout())
            .initializationTimeout(settings.connectTimeout())
            .jsonSchemaValidator(new DefaultJsonSchemaValidator(mapper))
            .toolsChangeConsumer(tools -> {
                onToolsChanged(gen, tools);
                return Mono.empty();
            })
            .build();
        client = null;
        try {
            Mono<McpSchema.InitializeResult> init = c.initialize();
            if (stdio != null) {
                // a child that cannot start or exits at once fails the start now, not at the connect timeout
                ConfinedStdioTransport child = stdio;
                init = Mono.firstWithSignal(init, Flux.interval(Duration.ofMillis(50))
                    .mapNotNull(tick -> child.ended()).next()
                    .flatMap(why -> Mono.<McpSchema.InitializeResult>error(new IOException(why
                        + " before it answered"))));
            }
            init.block(left(deadline));
            if (stdio != null) {
                process = stdio.process();
            }
            List<McpSchema.Tool> tools = listTools(c, deadline);
            client = c;
            Process p = process;
            if (p != null) {
                p.onExit().thenRun(() -> onWorker(() -> died(gen, "its process exited with " + p.exitValue())));
            }
            LOG.info("MCP server '{}' connected ({} {}): {} tools", spec.name(), spec.transport(),
                c.getServerInfo() == null ? "?" : c.getServerInfo().name(), tools.size());
            sink.publish(this, tools);
        } catch (RuntimeException e) {
            if (stdio != null && process == null) {
                try {
                    process = stdio.process();
                } catch (RuntimeException ignored) {
                    // not started at all
                }
            }
            closeQuietly(c);
            throw e;
        }
    }

    private ConfinedStdioTransport stdioTransport() throws IOException {
        Path home = settings.dataDir().resolve("mcp").resolve(spec.name()).toAbsolutePath().normalize();
        Path cwd = home.resolve(spec.cwd()).normalize();
        if (!cwd.startsWith(home)) {
            throw new IllegalArgumentException("cwd leaves " + home);
        }
        Files.createDirectories(cwd);
        List<String> command = new ArrayList<>();
        for (String part : settings.sandbox()) {
            command.add(part.replace("{workdir}", cwd.toString()));
        }
        command.add(spec.command());
        command.addAll(spec.args());
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : settings.inheritEnv()) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putAll(spec.env());
        ServerParameters params = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size()))
            .env(env).build();
        ConfinedStdioTransport transport = new ConfinedStdioTransport(params, jsonMapper, cwd);
        transport.setStdErrorHandler(line -> LOG.info("MCP server '{}' says: {}", spec.name(), line));
        return transport;
    }

    private McpClientTransport httpTransport() {
        URI url = spec.url();
        String base = url.getScheme() + "://" + url.getRawAuthority();
        String endpoint = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
            + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        Map<String, String> headers = spec.headers();
        return HttpClientStreamableHttpTransport.builder(base).endpoint(endpoint).jsonMapper(jsonMapper)
            .connectTimeout(settings.connectTimeout())
            .httpRequestCustomizer((builder, method, uri, body, context) -> headers.forEach(builder::setHeader))
            .build();
    }

    /** @return the time left until a start's deadline; a start out of time fails as a timeout */
    private Duration left(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new IllegalStateException(new TimeoutException("the start took longer than "
                + settings.connectTimeout().toMillis() + " ms"));
        }
        return left;
    }

    private List<McpSchema.Tool> listTools(McpAsyncClient c, Instant deadline) {
        List<McpSchema.Tool> tools = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            McpSchema.ListToolsResult result = c.listTools(cursor).block(left(deadline));
            if (result == null) {
                break;
            }
            if (result.tools() != null) {
                tools.addAll(result.tools());
            }
            cursor = result.nextCursor();
            if (cursor == null || cursor.isEmpty()) {
                break;
            }
        }
        return tools;
    }

    private void onToolsChanged(int gen, List<McpSchema.Tool> tools) {
        onWorker(() -> {
            synchronized (this) {
                if (gen == generation && client != null && !stopped) {
                    LOG.info("MCP server '{}' changed its tools: {} now", spec.name(), tools.size());
                    sink.publish(this, tools);
                }
            }
        });
    }

    /**
     * Checks, on this server's worker, that an HTTP server answers ping; a server that does not is handled as
     * dead. A check still waiting or running is not queued twice.
     *
     * @return done when the check has run (or was not needed)
     */
    Future<?> checkHealth() {
        if (client == null || stopped || spec.transport() != ServerSpec.Transport.HTTP
            || !pingPending.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return worker.submit(() -> {
                pingPending.set(false);
                ping();
            });
        } catch (RejectedExecutionException e) {
            pingPending.set(false);
            return CompletableFuture.completedFuture(null);
        }
    }

    private synchronized void ping() {
        McpAsyncClient c = client;
        if (c == null || stopped) {
            return;
        }
        try {
            c.ping().block(Duration.ofMillis(Math.min(5_000, settings.connectTimeout().toMillis())));
        } catch (RuntimeException e) {
            died(generation, "ping failed: " + message(e));
        }
    }

    private synchronized void died(int gen, String why) {
        if (gen != generation || stopped) {
            return;
        }
        LOG.warn("MCP server '{}' is down ({}); its tools are withdrawn until it is back", spec.name(), why);
        markDown("it is down: " + why);
        generation++;
        sink.publish(this, List.of());
        disconnect();
        scheduleRestart();
    }

    private void markDown(String why) {
        Diagnostic before = down;
        down = new Diagnostic("mcp_server_down", "mcp server '" + spec.name() + "'", why + "; its tools are withdrawn"
            + " and it is restarted with backoff (up to " + settings.restartMax().toMillis() + " ms apart)",
            before == null ? Instant.now() : before.at());
    }

    /** @return why the server is not connected (since the first failure in a row), or null while it is */
    Diagnostic diagnostic() {
        return stopped ? null : down;
    }

    private void scheduleRestart() {
        if (stopped) {
            return;
        }
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(settings.restartMax()) > 0 ? settings.restartMax()
            : backoff.multipliedBy(2);
        LOG.info("MCP server '{}' restarts in {} ms", spec.name(), wait.toMillis());
        try {
            restart = worker.schedule(this::connectNow, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the source is stopping
        }
    }

    /**
     * Stops for good: interrupts a start under way, withdraws the tools, closes the session and ends the child's
     * whole process tree.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        worker.shutdownNow(); // interrupts a start blocked on a server that does not answer
        try {
            if (!worker.awaitTermination(CLOSE_GRACE.toMillis() * 3, TimeUnit.MILLISECONDS)) {
                LOG.warn("MCP server '{}': its worker is still busy; stopping it anyway", spec.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            generation++;
            if (restart != null) {
                restart.cancel(false);
            }
            sink.publish(this, List.of());
            disconnect();
        }
        LOG.info("MCP server '{}' stopped", spec.name());
    }

    private void disconnect() {
        McpAsyncClient c = client;
        client = null;
        Process p = process;
        process = null;
        List<ProcessHandle> tree = p == null ? List.of() : ProcessTree.snapshot(p.toHandle());
        closeQuietly(c);
        if (!tree.isEmpty()) {
            int killed = ProcessTree.destroy(tree, CLOSE_GRACE);
            if (killed > 0) {
                LOG.info("MCP server '{}': {} processes had to be killed", spec.name(), killed);
            }
        }
    }

    private void closeQuietly(McpAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            c.closeGracefully().block(CLOSE_GRACE);
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // the process tree is ended anyway
            }
        }
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            // the source is stopping; stop() handles the rest
        }
    }

    /**
     * Calls a tool of this server.
     *
     * @param tool the MCP tool name
     * @param arguments the validated arguments
     * @param deadline the call's deadline
     * @return the MCP result as JSON-compatible values: {@code content} (and {@code structuredContent})
     * @throws ToolException when the tool reports an error, the server fails the call or time runs out
     */
    Map<String, Object> call(String tool, Map<String, Object> arguments, Instant deadline) throws ToolException {
        McpAsyncClient c = client;
        if (c == null) {
            throw new ToolException("mcp_server_unavailable", "MCP server '" + spec.name()
                + "' is not connected; it is being restarted");
        }
        Duration wait = Duration.between(Instant.now(), deadline);
        if (wait.compareTo(settings.callTimeout()) > 0) {
            wait = settings.callTimeout();
        }
        if (wait.isNegative() || wait.isZero()) {
            throw new ToolException("mcp_timeout", "no time left to call MCP server '" + spec.name() + "'");
        }
        McpSchema.CallToolResult result;
        try {
            result = c.callTool(new McpSchema.CallToolRequest(tool, arguments)).block(wait);
        } catch (RuntimeException e) {
            Throwable cause = Exceptions.unwrap(e);
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new ToolException("mcp_cancelled", "the call to MCP server '" + spec.name()
                    + "' was cancelled");
            }
            if (cause instanceof McpError error) {
                String msg = error.getJsonRpcError() != null ? error.getJsonRpcError().message() : error.getMessage();
                throw new ToolException("mcp_error", bound("MCP server '" + spec.name() + "': " + msg), e);
            }
            if (cause instanceof TimeoutException || (e instanceof IllegalStateException
                && String.valueOf(e.getMessage()).startsWith("Timeout on blocking read"))) {
                throw new ToolException("mcp_timeout", "MCP server '" + spec.name() + "' did not answer within "
                    + wait.toMillis() + " ms", e);
            }
            throw new ToolException("mcp_call_failed", bound("MCP server '" + spec.name() + "' failed the call: "
                + message(cause)), e);
        }
        if (result == null) {
            throw new ToolException("mcp_call_failed", "MCP server '" + spec.name() + "' returned no result");
        }
        if (Boolean.TRUE.equals(result.isError())) {
            String text = text(result.content());
            throw new ToolException("mcp_tool_error", bound(text.isBlank()
                ? "the MCP tool " + tool + " reported an error" : text));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("content", mapper.convertValue(result.content() == null ? List.of() : result.content(),
            List.class));
        if (result.structuredContent() != null) {
            out.put("structuredContent", mapper.convertValue(result.structuredContent(), Object.class));
        }
        int size;
        try {
            size = mapper.writeValueAsString(out).length();
        } catch (JsonProcessingException e) {
            throw new ToolException("mcp_call_failed", "the result of MCP server '" + spec.name()
                + "' is not JSON-compatible");
        }
        if (size > settings.maxResultChars()) {
            throw new ToolException("mcp_result_too_large", "the result of " + tool + " from MCP server '"
                + spec.name() + "' has " + size + " characters; at most " + settings.maxResultChars()
                + " are accepted");
        }
        return out;
    }

    private static String text(List<McpSchema.Content> content) {
        StringBuilder out = new StringBuilder();
        if (content != null) {
            for (McpSchema.Content part : content) {
                if (part instanceof McpSchema.TextContent t && t.text() != null) {
                    if (out.length() > 0) {
                        out.append('\n');
                    }
                    out.append(t.text());
                }
            }
        }
        return out.toString();
    }

    private String bound(String message) {
        int max = settings.maxErrorChars();
        return message.length() <= max ? message : message.substring(0, max - 1) + "…";
    }

    private static String message(Throwable e) {
        Throwable root = rootCause(e);
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** @return the innermost cause of a failure (the failure itself when it has none) */
    static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
