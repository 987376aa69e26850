package io.cuga.api.decision;

import java.util.Objects;

/**
 * A decision on a call.
 *
 * @param verdict what was decided
 * @param guardrail the guardrail that decided it (for example {@code allowlist}), empty for a plain allow
 * @param rule the rule that matched, empty when none
 * @param reason a human-readable reason, empty for a plain allow
 */
public record Decision(Verdict verdict, String guardrail, String rule, String reason) {

    private static final Decision ALLOW = new Decision(Verdict.ALLOW, "", "", "");

    /** Checks and normalises the fields. */
    public Decision {
        Objects.requireNonNull(verdict, "verdict");
        guardrail = guardrail == null ? "" : guardrail;
        rule = rule == null ? "" : rule;
        reason = reason == null ? "" : reason;
    }

    /** @return the plain allow decision */
    public static Decision allow() {
        return ALLOW;
    }

    /**
     * @param guardrail the deciding guardrail
     * @param rule the rule that matched
     * @param reason why
     * @return a deny decision
     */
    public static Decision deny(String guardrail, String rule, String reason) {
        return new Decision(Verdict.DENY, guardrail, rule, reason);
    }
}
