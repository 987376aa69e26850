package io.cuga.guardrail.redaction.internal;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.redaction.KeyRedactor;

/**
 * The {@code redaction} guardrail: never stops a call; its compiled rules are the profile's
 * {@link io.cuga.guardrail.redaction.Redactor}, which the platform applies before anything is logged,
 * exported, audited or shown to an approver.
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = RedactionGuardrail.TYPE, order = 700)
public final class RedactionGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "redaction";

    /** Creates the guardrail; it has no state of its own. */
    public RedactionGuardrail() {
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("keys");
        List<String> keys = root.strings("keys", KeyRedactor.DEFAULT_KEYS);
        return new RedactionRules(KeyRedactor.of(keys));
    }
}
