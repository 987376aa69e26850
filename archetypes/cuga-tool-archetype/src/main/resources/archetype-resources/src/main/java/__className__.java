package ${package};

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.api.tool.ToolService;

/**
 * The {@code ${toolName}} tool: greets someone by name with the configured greeting.
 *
 * <p>A Declarative Services component that provides {@link Tool}; {@link ToolService} turns its elements into
 * the service properties the orchestrator reads (name, description, risk tier, argument schema). The server
 * calls {@link Tool#invoke(ToolCall)} only with arguments that passed the schema, on its own pool, with a
 * deadline: this class starts no thread and keeps nothing between calls.
 */
@Component(service = Tool.class, configurationPid = ${className}.PID)
@Designate(ocd = ${className}.Config.class)
@ToolService(name = "${toolName}",
    description = "${toolDescription}",
    risk = RiskTier.READ,
    schema = "/schemas/${toolName}.json")
public class ${className} implements Tool {

    /**
     * The configuration PID: a file {@code ${package}.cfg} in the server's deploy/ or runtime-config/ folder
     * configures this tool. (A PID must not contain '-': FileInstall reads {@code a-b.cfg} as factory PID
     * {@code a}, instance {@code b}.)
     */
    public static final String PID = "${package}";

    /** The configuration, with its defaults; every attribute can be set in the .cfg file. */
    @ObjectClassDefinition(id = PID, name = "${toolName} tool", description = "Configuration of the ${toolName} tool.")
    public @interface Config {

        /** @return the word the answer starts with */
        @AttributeDefinition(name = "Greeting", description = "The word the answer starts with.")
        String greeting() default "Hello";
    }

    private final String greeting;

    /**
     * Called by Declarative Services with the current configuration; a changed configuration makes a new
     * instance.
     *
     * @param config the configuration
     */
    @Activate
    public ${className}(Config config) {
        this(config.greeting());
    }

    ${className}(String greeting) {
        this.greeting = greeting;
    }

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        // the schema made sure "name" is a string of 1 to 200 characters; what the schema cannot say is checked
        // here, and a ToolException tells the caller (HTTP 400 with this code and message)
        String name = ((String) call.arguments().get("name")).strip();
        if (name.isEmpty()) {
            throw new ToolException("blank_name", "the argument 'name' must not be blank");
        }
        // the result is JSON-compatible: maps with string keys, lists, strings, numbers, booleans, null
        return Map.of("message", greet(name));
    }

    String greet(String name) {
        return greeting + ", " + name + "!";
    }
}
