package io.cuga.guardrail.egress.internal;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.annotation.ElementType;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link io.cuga.api.guardrail.Guardrail}: {@code type} becomes
 * {@value io.cuga.api.guardrail.Guardrail#TYPE}, {@code order} the Integer {@value io.cuga.api.guardrail.Guardrail#ORDER}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface GuardrailProperties {

    /** Property name prefix. */
    String PREFIX_ = "cuga.guardrail.";

    /** @return the guardrail type, also the policy section it owns */
    String type();

    /** @return the place in the chain, lower first */
    int order();
}
