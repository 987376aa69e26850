package io.cuga.guardrail.redaction.internal;

import io.cuga.api.decision.Decision;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.redaction.KeyRedactor;
import io.cuga.api.guardrail.Redactor;

/** The compiled redaction section of one policy: allows every call, and is the profile's {@link Redactor}. */
final class RedactionRules implements Guardrail.Rules, Redactor {

    private final KeyRedactor redactor;

    RedactionRules(KeyRedactor redactor) {
        this.redactor = redactor;
    }

    KeyRedactor redactor() {
        return redactor;
    }

    @Override
    public Decision check(GuardedCall call) {
        return Decision.allow();
    }

    @Override
    public Object redact(Object value) {
        return redactor.redact(value);
    }

    @Override
    public boolean isSecret(String key) {
        return redactor.isSecret(key);
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof RedactionRules)) {
            throw new PolicyException("", "the parent's redaction rules are of another kind");
        }
        for (String key : ((RedactionRules) parent).redactor.keys()) {
            if (!redactor.keys().contains(key)) {
                throw new PolicyException("/keys", "the parent redacts '" + key + "': a profile may add keys, not remove them");
            }
        }
    }
}
