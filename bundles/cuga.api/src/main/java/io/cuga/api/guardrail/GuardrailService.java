package io.cuga.api.guardrail;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of a {@link Guardrail} component, so a guardrail author writes
 * {@code @GuardrailService(type = "budget", order = 500)} and never a property string:
 * {@code cuga.guardrail.type} (String) and {@code cuga.guardrail.order} (Integer).
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface GuardrailService {

    /** Property name prefix: element {@code type} becomes {@value io.cuga.api.guardrail.Guardrail#TYPE}. */
    String PREFIX_ = "cuga.guardrail.";

    /** @return the guardrail type, also its section key in a policy document */
    String type();

    /** @return the place in the chain, lower first */
    int order();
}
