package io.cuga.tool.mcp.internal;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.function.Function;

import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import reactor.core.publisher.Mono;

/**
 * The SDK's stdio transport with the child's environment emptied first (the SDK then adds only its safe default
 * variables and those of the server's entry: no proxy variables, no cuga secrets) and its working directory set.
 * Exposes the child process so the connection sees it die and can end its whole process tree.
 */
final class ConfinedStdioTransport extends StdioClientTransport {

    private final Path workingDirectory;
    private final String command;

    ConfinedStdioTransport(ServerParameters params, McpJsonMapper mapper, Path workingDirectory) {
        super(params, mapper);
        this.workingDirectory = workingDirectory;
        this.command = params.getCommand();
    }

    /** Why the child could not be started, or null. */
    private volatile Throwable startFailure;

    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
        // the SDK's client does not fail its initialization when the start fails: it waits for its timeout
        return super.connect(handler).doOnError(e -> startFailure = e);
    }

    /**
     * @return why the child is not running although it was to be started (it could not start, or it exited),
     *     or null while it runs or has not been started yet
     */
    String ended() {
        Throwable failure = startFailure;
        if (failure != null) {
            return "its command " + command + " could not be started ("
                + ServerConnection.rootCause(failure).getMessage() + ")";
        }
        Process p = process();
        return p != null && !p.isAlive() ? "its process exited with " + p.exitValue() : null;
    }

    @Override
    protected ProcessBuilder getProcessBuilder() {
        ProcessBuilder builder = new ProcessBuilder();
        builder.environment().clear();
        builder.directory(workingDirectory.toFile());
        return builder;
    }

    /**
     * The running child, once connected. The SDK keeps it in a private field and offers no accessor; a test
     * (ServerConnectionTest) fails if an SDK upgrade renames it.
     *
     * @return the process, or null before it started
     */
    Process process() {
        try {
            Field field = StdioClientTransport.class.getDeclaredField("process");
            field.setAccessible(true);
            return (Process) field.get(this);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach the MCP SDK's child process: " + e, e);
        }
    }
}
