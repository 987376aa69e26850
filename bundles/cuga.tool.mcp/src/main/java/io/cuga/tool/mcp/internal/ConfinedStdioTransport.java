package io.cuga.tool.mcp.internal;

import java.lang.reflect.Field;
import java.nio.file.Path;

import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;

/**
 * The SDK's stdio transport with the child's environment emptied first (the SDK then adds only its safe default
 * variables and those of the server's entry: no proxy variables, no cuga secrets) and its working directory set.
 * Exposes the child process so the connection sees it die and can end its whole process tree.
 */
final class ConfinedStdioTransport extends StdioClientTransport {

    private final Path workingDirectory;

    ConfinedStdioTransport(ServerParameters params, McpJsonMapper mapper, Path workingDirectory) {
        super(params, mapper);
        this.workingDirectory = workingDirectory;
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
