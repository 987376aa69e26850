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

    /**
     * @return the tool name, unique on the server and matching {@link Tool#NAME_PATTERN}; a second tool with a
     *     name already taken is refused. A configuration property {@value Tool#NAME} overrides it, which is how
     *     each instance of a factory configuration gets its own name
     */
    String name();

    /** @return what the tool does, for people and models: planners choose tools by it, so say when to use it */
    String description();

    /**
     * @return the risk tier: the highest that applies to anything the tool can do. Policy may require approval
     *     from a tier on, and ranking prefers the lower of two tools that fit
     */
    RiskTier risk() default RiskTier.READ;

    /**
     * @return the JSON Schema (2020-12) of the arguments object: inline JSON (starting with '{') or the path of
     *     a resource in the tool's bundle, such as {@code /schemas/weather.json}; empty for a tool that takes no
     *     arguments. Arguments are validated against it before every call, and unknown arguments are refused
     *     unless the schema allows them ({@code additionalProperties}). A schema that does not compile, or a
     *     resource that is missing, gets the tool refused
     */
    String schema() default "";

    /**
     * @return the names of the arguments that are outbound network targets, each holding a URL string or a list
     *     of them; the egress guardrail checks every such target before the call is dispatched. A tool that
     *     connects anywhere must name every argument it connects to here
     */
    String[] outbound() default {};

    /**
     * @return the per-tool deadline in milliseconds; 0 for the server default. When it passes, the calling
     *     thread is interrupted and the caller gets a timeout error
     */
    long timeout_millis() default 0;
}
