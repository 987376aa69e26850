package io.cuga.http.internal;

import java.util.Locale;

/**
 * The roles a bearer token carries, from least to most powerful: {@code agent < approver < admin}. A role may do
 * whatever a lower role may do, so an admin token works on every route and an approver token on agent routes.
 */
enum Role {
    /** Lists and invokes tools, runs tasks. */
    AGENT,
    /** Decides approvals, and everything an agent may do. */
    APPROVER,
    /** Everything: policies, audit, diagnostics. */
    ADMIN;

    private final String label = name().toLowerCase(Locale.ROOT);

    /**
     * @param required the role a route requires
     * @return true when this role is at least as powerful as {@code required}
     */
    boolean satisfies(Role required) {
        return ordinal() >= required.ordinal();
    }

    /** @return the lowercase name used in configuration and JSON */
    String label() {
        return label;
    }

    /**
     * @param text a role name, any case
     * @return the role, or null when unknown
     */
    static Role parse(String text) {
        for (Role role : values()) {
            if (role.label.equalsIgnoreCase(text)) {
                return role;
            }
        }
        return null;
    }
}
