package io.cuga.api.dispatch;

import io.cuga.api.tool.ToolDescriptor;

/**
 * A tracked tool service and whether callers can reach it.
 *
 * @param name the tool name as registered (may be invalid when {@code state} is {@link State#REFUSED})
 * @param bundle the contributing bundle's symbolic name
 * @param bundleVersion the contributing bundle's version
 * @param state whether the tool is visible
 * @param reason why the tool is hidden or refused; empty when visible
 * @param descriptor the tool's descriptor; null when refused
 */
public record ToolInfo(String name, String bundle, String bundleVersion, State state, String reason,
    ToolDescriptor descriptor) {

    /** Visibility of a tracked tool. */
    public enum State {
        /** Allowlisted and callable. */
        VISIBLE,
        /** Valid, but the active configuration does not allowlist it. */
        HIDDEN,
        /** Invalid (bad name, bad schema) or a duplicate of a name already taken. */
        REFUSED
    }
}
