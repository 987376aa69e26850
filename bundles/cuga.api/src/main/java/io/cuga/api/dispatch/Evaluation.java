package io.cuga.api.dispatch;

import java.util.List;
import java.util.Objects;

import io.cuga.api.decision.Decision;

/**
 * What the guardrail chain would decide on a call, without executing or charging anything.
 *
 * @param tool the tool name
 * @param profile the profile evaluated under
 * @param policyVersion the version of the profile's policy used, 0 when there is none
 * @param decision the combined decision
 * @param decisions each guardrail's decision, in chain order (every guardrail runs, even after a deny)
 * @param problem when the call could not even reach the chain (unknown tool, invalid arguments): the outcome
 *     status that says so; null when the chain ran
 * @param message a human-readable account of {@code problem}, or null
 */
public record Evaluation(String tool, String profile, long policyVersion, Decision decision,
    List<Decision> decisions, CallOutcome.Status problem, String message) {

    /** Checks and freezes the fields. */
    public Evaluation {
        Objects.requireNonNull(decision, "decision");
        decisions = decisions == null ? List.of() : List.copyOf(decisions);
    }
}
