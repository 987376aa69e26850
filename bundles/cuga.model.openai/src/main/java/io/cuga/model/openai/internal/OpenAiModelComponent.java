package io.cuga.model.openai.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.model.ChatModel;

/**
 * Registers the OpenAI-compatible {@link ChatModel} when a model name is configured (PID
 * {@value OpenAiModelConfig#PID} or CUGA_MODEL); otherwise it idles and says so once at INFO. A configuration
 * change re-activates the component, so the service is re-registered with the new settings at once.
 */
@Component(configurationPid = OpenAiModelConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = {})
@Designate(ocd = OpenAiModelConfig.class)
public final class OpenAiModelComponent {

    /** The value of {@link ChatModel#PROVIDER} this bundle registers. */
    static final String PROVIDER = "openai";

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiModelComponent.class);

    /** "No model configured" is said once per bundle start, not at every configuration change. */
    private static final AtomicBoolean SAID_IDLE = new AtomicBoolean();

    private final OpenAiCompatibleChatModel model;
    private final ServiceRegistration<ChatModel> registration;

    /**
     * @param context for {@code cuga.data} and the registration
     * @param config the configuration
     */
    @Activate
    public OpenAiModelComponent(BundleContext context, OpenAiModelConfig config) {
        this(context, config, System::getenv);
    }

    OpenAiModelComponent(BundleContext context, OpenAiModelConfig config, UnaryOperator<String> env) {
        String data = context.getProperty("cuga.data");
        Path dataDir = data == null || data.isBlank() ? Paths.get("").toAbsolutePath() : Paths.get(data);
        Settings settings;
        try {
            settings = Settings.resolve(config, env, dataDir);
        } catch (Settings.InvalidSettings e) {
            LOG.error("{} not registered: {}", OpenAiModelConfig.PID, e.getMessage());
            model = null;
            registration = null;
            return;
        }
        if (!settings.hasModel()) {
            if (SAID_IDLE.compareAndSet(false, true)) {
                LOG.info("No chat model configured (set model in {} or CUGA_MODEL): the offline planner plans tasks",
                    OpenAiModelConfig.PID);
            }
            model = null;
            registration = null;
            return;
        }
        SAID_IDLE.set(false);
        model = new OpenAiCompatibleChatModel(settings);
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(ChatModel.PROVIDER, PROVIDER);
        properties.put(ChatModel.MODEL, settings.model());
        properties.put("cuga.model.base.url", settings.baseUrl());
        properties.put(Constants.SERVICE_DESCRIPTION, "OpenAI-compatible chat model " + settings.model());
        registration = context.registerService(ChatModel.class, model, properties);
        LOG.info("Chat model {} at {} registered (key from {}, timeout {} ms, {} retries)", settings.model(),
            settings.baseUrl(), settings.keySource(), settings.timeout().toMillis(), settings.maxRetries());
    }

    /** Unregisters the model and stops its threads. */
    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and took its services along
            }
        }
        if (model != null) {
            model.close();
        }
    }
}
