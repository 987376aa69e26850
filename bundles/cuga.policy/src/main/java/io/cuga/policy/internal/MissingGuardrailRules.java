package io.cuga.policy.internal;

import io.cuga.api.decision.Decision;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * What {@code Policy.rules(type)} answers while the guardrail bundle of that type is gone: every call is denied,
 * naming the missing type, so the chain fails closed.
 */
final class MissingGuardrailRules implements Guardrail.Rules {

    /** The rule every deny names. */
    static final String RULE = "guardrail_missing";

    private final String type;
    private final Decision deny;

    /** @param type the missing guardrail type */
    MissingGuardrailRules(String type) {
        this.type = type;
        this.deny = Decision.deny(type, RULE, reason(type));
    }

    /**
     * @param type a guardrail type
     * @return the reason of the deny
     */
    static String reason(String type) {
        return "guardrail bundle for type " + type + " is not installed";
    }

    @Override
    public Decision check(GuardedCall call) {
        return deny;
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        throw new PolicyException("", reason(type));
    }

    @Override
    public String toString() {
        return "MissingGuardrailRules[" + type + "]";
    }
}
