package io.cuga.api.dispatch;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Problems a bundle noticed with what it was given to serve, such as a tool source whose spec or server cannot be
 * used (since 1.3). Registered as a service, its diagnostics are shown with the server's own: in
 * {@link ToolRegistry#diagnostics()}, {@code GET /api/v1/tools/diagnostics} and the Web Console's Tools page.
 * They are information for operators and tool authors; no call is decided on them.
 */
@ConsumerType
public interface DiagnosticSource {

    /**
     * Called whenever diagnostics are listed: must be quick and must not block.
     *
     * @return the problems as they stand now, empty when there are none
     */
    List<Diagnostic> diagnostics();
}
