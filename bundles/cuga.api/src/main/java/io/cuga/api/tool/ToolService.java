package io.cuga.api.tool;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Describes a {@link Tool} component through its service properties, so a tool author writes
 * {@code @ToolService(name = "calculator", description = "...")} on the component and never a property
 * string.
 *
 * <pre>
 * &#64;Component(service = Tool.class)
 * &#64;ToolService(name = "weather", description = "Current weather for a city", risk = RiskTier.EXTERNAL,
 *              schema = "/schemas/weather.json", outbound = "url")
 * public class WeatherTool implements Tool { ... }
 * </pre>
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ToolService {

    /** Property name prefix: element {@code name} becomes {@value Tool#NAME}. */
    String PREFIX_ = "cuga.tool.";

    /** @return the tool name, see {@link Tool#NAME_PATTERN} */
    String name();

    /** @return what the tool does, for people and models */
    String description();

    /** @return the risk tier */
    RiskTier risk() default RiskTier.READ;

    /** @return inline JSON Schema or the path of a schema resource in the bundle; empty for no arguments */
    String schema() default "";

    /** @return the argument names that are outbound network targets */
    String[] outbound() default {};

    /** @return the per-tool timeout in milliseconds; 0 for the server default */
    long timeout_millis() default 0;
}
