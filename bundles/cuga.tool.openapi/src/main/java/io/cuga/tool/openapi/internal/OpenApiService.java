package io.cuga.tool.openapi.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolException;
import io.cuga.tool.http.client.HttpFetcher;
import io.cuga.tool.http.client.TargetUrl;

/**
 * One OpenAPI service (one factory configuration {@code cuga.tool.openapi-<name>.cfg}): reads its document, file
 * or URL (a URL through egress, under {@code spec.profile}), and registers one {@link Tool} service per operation.
 * A changed configuration makes a new instance, so the tools are registered anew; a document that cannot be read
 * fails this instance only (logged, and shown as the component's activation error), never the other services.
 */
@Component(configurationPid = OpenApiConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = OpenApiConfig.class, factory = true)
public class OpenApiService {

    private static final Logger LOG = LoggerFactory.getLogger(OpenApiService.class);

    /** Service property on each tool: the service it comes from. */
    static final String SERVICE_PROPERTY = "cuga.openapi.service";
    /** Service property on each tool: the operationId it calls. */
    static final String OPERATION_PROPERTY = "cuga.openapi.operation";

    private final List<ServiceRegistration<Tool>> registrations = new ArrayList<>();

    /**
     * @param context the bundle context, to register the tools
     * @param config the service's configuration
     * @param guard the egress guard every request and the spec fetch go through
     */
    @Activate
    public OpenApiService(BundleContext context, OpenApiConfig config, @Reference EgressGuard guard) {
        String configDir = context.getProperty("cuga.config");
        String dataDir = context.getProperty("cuga.data");
        Loaded loaded;
        try {
            loaded = load(config, configDir == null ? null : Path.of(configDir),
                dataDir == null ? null : Path.of(dataDir), guard);
        } catch (IllegalArgumentException e) {
            LOG.error("OpenAPI service '{}' ({}) not loaded: {}", config.name(), config.spec(), e.getMessage());
            throw e;
        }
        loaded.problems().forEach(problem -> LOG.warn("OpenAPI service '{}': {}", loaded.name(), problem));
        for (OperationTool tool : loaded.tools()) {
            registrations.add(context.registerService(Tool.class, tool, properties(loaded, tool, config)));
        }
        LOG.info("OpenAPI service '{}' from {}: {} tools at {}, {} problems", loaded.name(), config.spec(),
            loaded.tools().size(), TargetUrl.redact(URI.create(loaded.baseUrl())), loaded.problems().size());
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Tool> registration : registrations) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        registrations.clear();
    }

    /** The outcome of loading one service. */
    record Loaded(String name, String baseUrl, List<OperationTool> tools, List<String> problems) {
    }

    /**
     * Reads the document and builds the tools (no registration).
     *
     * @param configDir the directory a relative spec path resolves against (cuga.config)
     * @param dataDir the directory a relative token file resolves against (cuga.data)
     * @throws IllegalArgumentException for a configuration or document that cannot be used, with the reason
     */
    static Loaded load(OpenApiConfig config, Path configDir, Path dataDir, EgressGuard guard) {
        ServiceSettings settings = new ServiceSettings(config, dataDir, System::getenv);
        HttpFetcher.Settings limits = new HttpFetcher.Settings(config.connect_timeout_millis(),
            config.read_timeout_millis(), config.max_response_bytes(), 5, 3, 200, 5_000, "cuga-openapi/1.0");
        HttpFetcher fetcher = new HttpFetcher(limits, HttpFetcher.defaultTls());
        boolean remote = settings.spec.regionMatches(true, 0, "http://", 0, 7)
            || settings.spec.regionMatches(true, 0, "https://", 0, 8);
        String text = remote ? fetchSpec(settings, config, guard) : readSpec(settings, configDir, config);
        SpecImporter.Result result;
        try {
            result = SpecImporter.read(text, settings.name, settings::selected, settings::riskOf);
        } catch (SpecImporter.SpecException e) {
            throw new IllegalArgumentException("spec " + settings.spec + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("spec " + settings.spec + " cannot be read ("
                + e.getClass().getSimpleName() + ")");
        }
        String baseUrl = baseUrl(settings, result.serverUrl(), remote);
        List<OperationTool> tools = new ArrayList<>();
        for (Operation operation : result.operations()) {
            tools.add(new OperationTool(operation, baseUrl, settings.auth, fetcher, guard));
        }
        return new Loaded(settings.name, baseUrl, List.copyOf(tools), result.problems());
    }

    private static Dictionary<String, Object> properties(Loaded loaded, OperationTool tool, OpenApiConfig config) {
        Operation operation = tool.operation();
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Tool.NAME, operation.toolName());
        properties.put(Tool.DESCRIPTION, operation.description());
        properties.put(Tool.RISK, operation.risk().name());
        properties.put(Tool.SCHEMA, operation.schema());
        // the fixed target: egress checks it before dispatch (an outbound entry that is a URL, not an argument)
        properties.put(Tool.OUTBOUND, new String[] {loaded.baseUrl() + "/"});
        if (config.timeout_millis() > 0) {
            properties.put(Tool.TIMEOUT_MILLIS, config.timeout_millis());
        }
        properties.put(SERVICE_PROPERTY, loaded.name());
        properties.put(OPERATION_PROPERTY, operation.operationId());
        return properties;
    }

    private static String baseUrl(ServiceSettings settings, String serverUrl, boolean remote) {
        String url = !settings.baseUrl.isEmpty() ? settings.baseUrl : serverUrl;
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("the document names no server: set base.url");
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
            if (!uri.isAbsolute()) {
                if (!remote || !settings.baseUrl.isEmpty()) {
                    throw new IllegalArgumentException("the server URL '" + url + "' is relative: set base.url to "
                        + "an absolute http(s) URL");
                }
                uri = URI.create(settings.spec).resolve(uri);
            }
            uri = TargetUrl.parse(uri.toString());
        } catch (ToolException e) {
            throw new IllegalArgumentException("the base URL is not usable: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("set base.url")) {
                throw e;
            }
            throw new IllegalArgumentException("the base URL '" + url + "' is not a URL");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("the base URL must have no query or fragment");
        }
        String text = uri.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    private static String readSpec(ServiceSettings settings, Path configDir, OpenApiConfig config) {
        Path path = ServiceSettings.resolve(configDir, settings.spec);
        try {
            if (Files.size(path) > config.max_spec_bytes()) {
                throw new IllegalArgumentException("spec " + path + " is larger than max.spec.bytes ("
                    + config.max_spec_bytes() + ")");
            }
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("spec " + path + " cannot be read (" + e.getClass().getSimpleName()
                + ")");
        }
    }

    private static String fetchSpec(ServiceSettings settings, OpenApiConfig config, EgressGuard guard) {
        HttpFetcher fetcher = new HttpFetcher(new HttpFetcher.Settings(config.connect_timeout_millis(),
            config.read_timeout_millis(), config.max_spec_bytes(), 5, 3, 200, 5_000, "cuga-openapi/1.0"),
            HttpFetcher.defaultTls());
        Instant deadline = Instant.now().plus(Duration.ofMillis(
            Math.max(1, config.connect_timeout_millis()) + Math.max(1, config.read_timeout_millis())));
        Map<String, Object> response;
        String where;
        try {
            where = TargetUrl.redact(TargetUrl.parse(settings.spec));
            response = fetcher.fetch(new HttpFetcher.Request("GET", settings.spec,
                Map.of("Accept", "application/json, application/yaml, text/yaml, */*;q=0.5"), null),
                new HttpFetcher.Scope(settings.profile, deadline, () -> false), guard);
        } catch (ToolException e) {
            throw new IllegalArgumentException("spec cannot be fetched: " + e.getMessage() + " (" + e.code() + ")");
        }
        int status = ((Number) response.get("status")).intValue();
        if (status != 200) {
            throw new IllegalArgumentException("spec " + where + " answered " + status);
        }
        if (Boolean.TRUE.equals(response.get("truncated"))) {
            throw new IllegalArgumentException("spec " + where + " is larger than max.spec.bytes ("
                + config.max_spec_bytes() + ")");
        }
        if (Boolean.TRUE.equals(response.get("base64"))) {
            throw new IllegalArgumentException("spec " + where + " is not text");
        }
        return String.valueOf(response.get("body"));
    }
}
