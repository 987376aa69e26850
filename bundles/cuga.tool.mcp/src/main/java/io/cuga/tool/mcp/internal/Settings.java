package io.cuga.tool.mcp.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What every server connection shares, read from {@link McpToolConfig}.
 *
 * @param dataDir cuga's data folder; stdio servers work in {@code mcp/<server>} under it
 * @param connectTimeout start, handshake and first tools/list
 * @param callTimeout the longest tools/call
 * @param restartInitial the first restart delay
 * @param restartMax the cap of the restart backoff
 * @param maxResultChars the longest result, as JSON
 * @param maxErrorChars the longest error message shown to a caller
 * @param sandbox the command prefix of stdio servers ({@code {workdir}} replaced), empty for none
 * @param inheritEnv variables of cuga's environment passed on to stdio servers
 */
record Settings(Path dataDir, Duration connectTimeout, Duration callTimeout, Duration restartInitial,
    Duration restartMax, int maxResultChars, int maxErrorChars, List<String> sandbox, List<String> inheritEnv) {

    static Settings of(McpToolConfig c, Path dataDir) {
        return new Settings(dataDir, Duration.ofMillis(c.connect_timeout_millis()),
            Duration.ofMillis(c.call_timeout_millis()), Duration.ofMillis(c.restart_initial_millis()),
            Duration.ofMillis(Math.max(c.restart_max_millis(), c.restart_initial_millis())), c.max_result_chars(),
            c.max_error_chars(), List.of(c.sandbox_command()), List.of(c.inherit_env()));
    }

    /**
     * @return true when a server connected with these settings must be restarted to run with {@code next}: its
     *     folder, sandbox, environment or its session's request timeout differ; other changes apply as they are
     */
    boolean needsRestart(Settings next) {
        return !dataDir.equals(next.dataDir) || !sandbox.equals(next.sandbox) || !inheritEnv.equals(next.inheritEnv)
            || !callTimeout.equals(next.callTimeout);
    }
}
