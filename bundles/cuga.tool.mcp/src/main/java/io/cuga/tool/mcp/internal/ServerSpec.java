package io.cuga.tool.mcp.internal;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.cuga.api.tool.RiskTier;

/**
 * One entry of the servers file. Records compare by value, so an edited entry is a different spec and the
 * server is reconfigured (stopped and started again); an unchanged one keeps running.
 *
 * @param name the server's name, the prefix of its tools' names
 * @param transport how it is reached
 * @param command the stdio command (empty for http)
 * @param args the stdio command's arguments
 * @param env variables added to the stdio server's environment
 * @param cwd the working directory, relative to the server's directory under the data folder ("" for itself)
 * @param url the streamable HTTP endpoint (null for stdio)
 * @param headers HTTP headers sent with every request
 * @param risk risk tiers by MCP tool name (overriding the annotation hints); key {@code "*"} for every tool
 * @param line where the entry starts in the file (1-based), for messages
 */
record ServerSpec(String name, Transport transport, String command, List<String> args, Map<String, String> env,
    String cwd, URI url, Map<String, String> headers, Map<String, RiskTier> risk, int line) {

    /** The two transports of MCP. */
    enum Transport { STDIO, HTTP }

    /** @return the same spec ignoring where it stands in the file */
    ServerSpec withoutLine() {
        return new ServerSpec(name, transport, command, args, env, cwd, url, headers, risk, 0);
    }
}
