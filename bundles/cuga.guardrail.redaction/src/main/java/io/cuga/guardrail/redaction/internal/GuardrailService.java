package io.cuga.guardrail.redaction.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link io.cuga.api.guardrail.Guardrail} component: {@code cuga.guardrail.type}
 * (String) and {@code cuga.guardrail.order} (Integer).
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface GuardrailService {

    /** Property name prefix: element {@code type} becomes {@value io.cuga.api.guardrail.Guardrail#TYPE}. */
    String PREFIX_ = "cuga.guardrail.";

    /** @return the guardrail type, also its section key in a policy document */
    String type();

    /** @return the place in the chain, lower first */
    int order();
}
