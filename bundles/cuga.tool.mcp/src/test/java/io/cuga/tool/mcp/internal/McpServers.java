package io.cuga.tool.mcp.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The real MCP servers from npm in e2e/mcp/node_modules; tests skip without them unless they are required. */
final class McpServers {

    private McpServers() {
    }

    static Path bin(String name) {
        Path root = Paths.get(System.getProperty("cuga.root", "../..")).toAbsolutePath().normalize();
        Path bin = root.resolve("e2e/mcp/node_modules/.bin").resolve(name);
        boolean present = Files.isExecutable(bin) && onPath("node");
        if (!present && Boolean.getBoolean("cuga.e2e.require.mcp")) {
            throw new AssertionError(bin + " (or node) is missing: run (cd e2e/mcp && npm ci)");
        }
        assumeTrue(present, "MCP test servers not installed: (cd e2e/mcp && npm ci)");
        return bin;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
