package io.cuga.api.guardrail;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.policy.PolicyException;

/**
 * A guardrail type. It owns one section of a policy document, named after its {@link #TYPE}, compiles it once
 * when the policy is activated, and then decides on calls with the compiled {@link Rules}.
 *
 * <p>The orchestrator runs the rules of every type a policy names, in {@link #ORDER}, for every call from every
 * caller; the strictest verdict wins (deny &gt; require approval &gt; warn &gt; allow). A guardrail that throws,
 * or does not answer within the chain's deadline, denies: the chain fails closed.
 */
@ConsumerType
public interface Guardrail {

    /** Service property: the guardrail type, which is also its section key in a policy document. Required. */
    String TYPE = "cuga.guardrail.type";

    /**
     * Service property (Integer): where the type runs in the chain, lower first. The built-in types use 100
     * (allowlist), 200 (schema), 300 (egress), 400 (ratelimit), 500 (budget), 600 (approval), 700 (redaction).
     */
    String ORDER = "cuga.guardrail.order";

    /**
     * Validates and compiles this guardrail's section of a policy.
     *
     * @param section the section's content as JSON-compatible values (empty when the policy names the type
     *     without a section); unknown keys must be refused
     * @param profile the profile the policy governs
     * @return the compiled rules, immutable
     * @throws PolicyException naming the JSON-pointer path (relative to the section) of what is wrong
     */
    Rules compile(Map<String, Object> section, String profile) throws PolicyException;

    /** The compiled rules of one guardrail type in one policy. Immutable, safe for concurrent calls. */
    @ConsumerType
    interface Rules {

        /**
         * Decides on a call. Must be quick and must not block on anything slow; it may reserve (a budget
         * reservation) when {@link GuardedCall#dryRun()} is false, and must then release or settle in
         * {@link #complete(GuardedCall, Decision, CallOutcome)}.
         *
         * @param call the call
         * @return the decision; {@link Decision#allow()} when this guardrail has nothing against it
         */
        Decision check(GuardedCall call);

        /**
         * Called once for every call {@link #check(GuardedCall)} saw (not for dry runs), when it has ended,
         * whatever the outcome, including calls another guardrail denied.
         *
         * @param call the call
         * @param decision the final decision of the whole chain
         * @param outcome how the call ended (null when it never ran)
         */
        default void complete(GuardedCall call, Decision decision, CallOutcome outcome) {
        }

        /**
         * Checks that these rules (a profile's) only tighten the rules of the profile it extends.
         *
         * @param parent the parent profile's compiled rules of the same type
         * @throws PolicyException naming what would loosen the parent
         */
        void checkTightens(Rules parent) throws PolicyException;
    }
}
