package io.cuga.tool.mcp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the MCP tool source (PID {@value #PID}). */
@ObjectClassDefinition(name = "cuga MCP tool source",
    description = "Which MCP servers file to read and how the servers it lists are run, watched and restarted.")
public @interface McpToolConfig {

    /** The configuration PID. */
    String PID = "cuga.tool.mcp";

    /** The environment variable naming the servers file when {@code servers.file} is empty. */
    String ENV_SERVERS_FILE = "MCP_SERVERS_FILE";

    @AttributeDefinition(name = "Servers file",
        description = "Path of the YAML MCP servers file; empty means the environment variable MCP_SERVERS_FILE; "
            + "neither set means no MCP servers. A relative path resolves against cuga.config.")
    String servers_file() default "";

    @AttributeDefinition(name = "Poll interval (ms)",
        description = "How often the servers file is checked for changes and HTTP servers are pinged.", min = "100")
    long poll_millis() default 2_000;

    @AttributeDefinition(name = "Connect timeout (ms)",
        description = "How long starting a server, the MCP handshake and the first tools/list may take.", min = "100")
    long connect_timeout_millis() default 30_000;

    @AttributeDefinition(name = "Call timeout (ms)",
        description = "The longest a tools/call may take when the call's own deadline is later.", min = "100")
    long call_timeout_millis() default 60_000;

    @AttributeDefinition(name = "First restart delay (ms)",
        description = "Wait before restarting a server that died or could not start; doubles after each failure.",
        min = "10")
    long restart_initial_millis() default 1_000;

    @AttributeDefinition(name = "Longest restart delay (ms)", description = "The cap of the restart backoff.",
        min = "10")
    long restart_max_millis() default 60_000;

    @AttributeDefinition(name = "Maximum result size (characters)",
        description = "A tool result longer than this, as JSON, is refused with the error mcp_result_too_large.",
        min = "1")
    int max_result_chars() default 1_048_576;

    @AttributeDefinition(name = "Maximum error message (characters)",
        description = "A server's error message is cut to this length before the caller sees it.", min = "16")
    int max_error_chars() default 2_000;

    @AttributeDefinition(name = "Sandbox command prefix",
        description = "Command and arguments put before every stdio server's command, e.g. bwrap with its options; "
            + "{workdir} is replaced by the server's working directory. Empty: no sandbox.")
    String[] sandbox_command() default {};

    @AttributeDefinition(name = "Inherited environment",
        description = "Variables of cuga's own environment a stdio server gets, besides HOME, LOGNAME, PATH, SHELL, "
            + "TERM and USER (which the MCP SDK always passes) and those its entry sets. Everything else, proxy "
            + "variables included, is left out unless named here.")
    String[] inherit_env() default {"LANG", "TZ"};
}
