package io.cuga.api.decision;

/** What a guardrail or a policy says of a call, from mildest to strictest. */
public enum Verdict {
    /** The call may proceed. */
    ALLOW,
    /** The call may proceed, and the warning is recorded. */
    WARN,
    /** A human must approve the call first. */
    REQUIRE_APPROVAL,
    /** The call must not proceed. */
    DENY;

    /**
     * Combines two verdicts: deny beats require-approval beats warn beats allow.
     *
     * @param other the other verdict
     * @return the stricter of the two
     */
    public Verdict combine(Verdict other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
