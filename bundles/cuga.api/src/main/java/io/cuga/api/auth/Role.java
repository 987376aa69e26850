package io.cuga.api.auth;

/**
 * The roles a bearer token carries, from least to most powerful: {@code agent < approver < admin}. A role may do
 * whatever a lower role may do.
 */
public enum Role {
    /** Lists and invokes tools, runs tasks. */
    AGENT,
    /** Decides approvals, and everything an agent may do. */
    APPROVER,
    /** Everything. */
    ADMIN;

    /**
     * @param required the role a route requires
     * @return true when this role is at least as powerful as {@code required}
     */
    public boolean satisfies(Role required) {
        return ordinal() >= required.ordinal();
    }
}
