package io.cuga.tool.sample.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
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
 * The {@code sample_echo} tool: echoes a message together with its configured greeting and the version and
 * flavour of the bundle that contributes it, so a caller can see which build of a hot-deployed bundle answered.
 */
@Component(service = Tool.class, configurationPid = SampleEchoTool.PID)
@Designate(ocd = SampleEchoTool.Config.class)
@ToolService(name = "sample_echo",
    description = "Echoes a message with a greeting and the version of the bundle that answered; a sample tool.",
    risk = RiskTier.READ,
    schema = "/schemas/sample_echo.json")
public class SampleEchoTool implements Tool {

    /** The configuration PID. */
    static final String PID = "cuga.tool.sample";

    /** The manifest header that names the build's flavour. */
    static final String FLAVOUR_HEADER = "Cuga-Sample-Flavour";

    /** The configuration. */
    @ObjectClassDefinition(id = PID, name = "cuga sample tool",
        description = "The sample_echo tool, which proves hot deploy.")
    public @interface Config {

        /** @return the greeting returned with every echo */
        @AttributeDefinition(name = "Greeting", description = "Returned with every echo as 'greeting'.")
        String greeting() default "hello";
    }

    private final String greeting;
    private final String version;
    private final String flavour;

    /**
     * Reads the bundle's version and flavour once, at activation.
     *
     * @param config the configuration
     * @param context the context of the bundle that contributes this tool
     */
    @Activate
    public SampleEchoTool(Config config, BundleContext context) {
        this(config, context.getBundle());
    }

    SampleEchoTool(Config config, Bundle bundle) {
        this.greeting = config.greeting();
        this.version = bundle.getVersion().toString();
        String header = bundle.getHeaders("").get(FLAVOUR_HEADER);
        this.flavour = header == null ? "" : header;
    }

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        if (!(call.arguments().get("message") instanceof String message)) {
            throw new ToolException("invalid_arguments", "the argument 'message' must be a string");
        }
        if (call.arguments().get("delay_millis") instanceof Number delay) {
            // lets a caller hold a call in flight, to watch what a timeout or a withdrawn bundle does to it
            try {
                Thread.sleep(delay.longValue());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ToolException("interrupted", "the call was interrupted while it waited");
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("echo", message);
        result.put("greeting", greeting);
        result.put("version", version);
        result.put("flavour", flavour);
        return result;
    }
}
