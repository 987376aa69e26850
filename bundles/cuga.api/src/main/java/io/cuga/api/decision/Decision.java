package io.cuga.api.decision;

import java.util.Map;
import java.util.Objects;

/**
 * A decision on a call.
 *
 * @param verdict what was decided
 * @param guardrail the guardrail that decided it (for example {@code allowlist}), empty for a plain allow
 * @param rule the rule that matched, empty when none
 * @param reason a human-readable reason, empty for a plain allow
 * @param details structured facts of the decision (for example {@link #RETRY_AFTER_SECONDS}); never null
 */
public record Decision(Verdict verdict, String guardrail, String rule, String reason, Map<String, Object> details) {

    /**
     * Detail key: seconds after which the same call may succeed. A deny that carries it is a limit (a rate limit
     * or an exhausted budget), answered with HTTP 429 and {@code Retry-After} rather than 403.
     */
    public static final String RETRY_AFTER_SECONDS = "retryAfterSeconds";

    /** Detail key: true on a deny that is a limit (budget or rate), even when no retry time is known. */
    public static final String LIMIT = "limit";

    private static final Decision ALLOW = new Decision(Verdict.ALLOW, "", "", "", Map.of());

    /** Checks and normalises the fields. */
    public Decision {
        Objects.requireNonNull(verdict, "verdict");
        guardrail = guardrail == null ? "" : guardrail;
        rule = rule == null ? "" : rule;
        reason = reason == null ? "" : reason;
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /**
     * A decision without details.
     *
     * @param verdict what was decided
     * @param guardrail the deciding guardrail
     * @param rule the rule that matched
     * @param reason why
     */
    public Decision(Verdict verdict, String guardrail, String rule, String reason) {
        this(verdict, guardrail, rule, reason, Map.of());
    }

    /** @return true for a deny that is a budget or rate limit (HTTP 429) */
    public boolean isLimit() {
        return verdict == Verdict.DENY && (Boolean.TRUE.equals(details.get(LIMIT)) || details.containsKey(RETRY_AFTER_SECONDS));
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
