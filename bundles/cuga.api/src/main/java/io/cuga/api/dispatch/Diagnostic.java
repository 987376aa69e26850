package io.cuga.api.dispatch;

import java.time.Instant;

/**
 * A problem the server noticed with what was deployed.
 *
 * @param kind what kind of problem, such as {@code bundle_unresolved} or {@code tool_refused}
 * @param subject what it concerns: a bundle's symbolic name and version, or a tool name
 * @param message what is wrong and, where known, how to fix it
 * @param at when it was noticed
 */
public record Diagnostic(String kind, String subject, String message, Instant at) {
}
