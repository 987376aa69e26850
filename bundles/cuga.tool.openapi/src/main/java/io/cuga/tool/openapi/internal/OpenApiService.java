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
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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

import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.DiagnosticSource;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolException;
import io.cuga.tool.http.client.HttpFetcher;
import io.cuga.tool.http.client.TargetUrl;

/**
 * One OpenAPI service (one factory configuration {@code cuga.tool.openapi-<name>.cfg}): reads its document, file
 * or URL (a URL through egress, under {@code spec.profile}), and registers one {@link Tool} service per operation.
 * A changed configuration makes a new instance, so the tools are registered anew; a configuration or a spec file
 * that cannot be used leaves this instance without tools (logged, and a diagnostic), never the other services. A
 * spec URL that cannot be fetched or used is tried again in the background with capped exponential backoff
 * ({@code spec.retry.initial.millis}, {@code spec.retry.max.millis}) until it loads or the instance goes away,
 * logged once per change of its state (not loaded, another reason, loaded). What stands in the way, and the
 * operations a loaded document had to leave out, are this instance's {@link DiagnosticSource} diagnostics:
 * {@code GET /api/v1/tools/diagnostics} and the console's Tools page show them.
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
    /** What this service's diagnostics say now (GET /api/v1/tools/diagnostics, the console's Tools page). */
    private volatile List<Diagnostic> diagnostics = List.of();
    private final ServiceRegistration<DiagnosticSource> diagnosticRegistration;
    private final BundleContext context;
    private final OpenApiConfig config;
    private final Path configDir;
    private final Path dataDir;
    private final EgressGuard guard;
    private ScheduledExecutorService retries;
    private long nextWait;
    private int attempts;
    private String lastFailure;
    private boolean closed;

    /**
     * @param context the bundle context, to register the tools
     * @param config the service's configuration
     * @param guard the egress guard every request and the spec fetch go through
     */
    @Activate
    public OpenApiService(BundleContext context, OpenApiConfig config, @Reference EgressGuard guard) {
        this.context = context;
        this.config = config;
        String configDir = context.getProperty("cuga.config");
        String dataDir = context.getProperty("cuga.data");
        this.configDir = configDir == null ? null : Path.of(configDir);
        this.dataDir = dataDir == null ? null : Path.of(dataDir);
        this.guard = guard;
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(SERVICE_PROPERTY, config.name());
        this.diagnosticRegistration = context.registerService(DiagnosticSource.class, () -> diagnostics, props);
        Loaded loaded;
        try {
            loaded = load(config, this.configDir, this.dataDir, guard);
        } catch (Unavailable e) {
            attempts = 1;
            nextWait = Math.max(10, config.spec_retry_initial_millis());
            lastFailure = e.getMessage();
            notLoaded(e.getMessage());
            LOG.warn("OpenAPI service '{}' not loaded yet: {}; trying again in {} ms, then with backoff up to {} ms",
                config.name(), e.getMessage(), nextWait, retryMax());
            retries = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cuga-openapi-" + config.name());
                t.setDaemon(true);
                return t;
            });
            retries.schedule(this::retry, nextWait, TimeUnit.MILLISECONDS);
            return;
        } catch (IllegalArgumentException e) {
            // not worth retrying (a configuration or a spec file that cannot be used): no tools until it changes
            LOG.error("OpenAPI service '{}' ({}) not loaded: {}", config.name(), config.spec(), e.getMessage());
            diagnostics = List.of(new Diagnostic("openapi_unusable", subject(), "not loaded: " + e.getMessage()
                + "; it has no tools until its configuration or spec changes", Instant.now()));
            return;
        }
        register(loaded);
    }

    /** @return what this service's diagnostics concern */
    private String subject() {
        return "openapi service '" + config.name() + "'";
    }

    private void notLoaded(String why) {
        diagnostics = List.of(new Diagnostic("openapi_not_loaded", subject(), "not loaded yet (attempt " + attempts
            + "): " + why + "; trying again with backoff up to " + retryMax() + " ms", Instant.now()));
    }

    private long retryMax() {
        return Math.max(Math.max(10, config.spec_retry_initial_millis()), config.spec_retry_max_millis());
    }

    /** One more try at a spec URL (on the retry thread); schedules the next on failure. */
    private void retry() {
        Loaded loaded;
        attempts++;
        try {
            loaded = load(config, configDir, dataDir, guard);
        } catch (IllegalArgumentException e) {
            nextWait = Math.min(retryMax(), nextWait * 2);
            notLoaded(e.getMessage());
            if (!e.getMessage().equals(lastFailure)) {
                lastFailure = e.getMessage();
                LOG.warn("OpenAPI service '{}' still not loaded: {}; trying again with backoff up to {} ms",
                    config.name(), e.getMessage(), retryMax());
            } else {
                LOG.debug("OpenAPI service '{}' attempt {} failed: {}; next in {} ms", config.name(), attempts,
                    e.getMessage(), nextWait);
            }
            try {
                retries.schedule(this::retry, nextWait, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                // deactivated
            }
            return;
        }
        LOG.info("OpenAPI service '{}' loaded after {} attempts", config.name(), attempts);
        register(loaded);
        retries.shutdown();
    }

    private synchronized void register(Loaded loaded) {
        if (closed) {
            return;
        }
        loaded.problems().forEach(problem -> LOG.warn("OpenAPI service '{}': {}", loaded.name(), problem));
        Instant now = Instant.now();
        diagnostics = loaded.problems().stream().map(problem -> new Diagnostic("openapi_problem", subject(), problem,
            now)).toList();
        for (OperationTool tool : loaded.tools()) {
            registrations.add(context.registerService(Tool.class, tool, properties(loaded, tool, config)));
        }
        LOG.info("OpenAPI service '{}' from {}: {} tools at {}, {} problems", loaded.name(), config.spec(),
            loaded.tools().size(), TargetUrl.redact(URI.create(loaded.baseUrl())), loaded.problems().size());
    }

    @Deactivate
    synchronized void deactivate() {
        closed = true;
        try {
            diagnosticRegistration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
        if (retries != null) {
            retries.shutdownNow();
        }
        for (ServiceRegistration<Tool> registration : registrations) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
        registrations.clear();
    }

    /** A spec URL that could not be fetched or used now: worth another try later. */
    static final class Unavailable extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
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
        String text;
        SpecImporter.Result result;
        String baseUrl;
        try {
            text = remote ? fetchSpec(settings, config, guard) : readSpec(settings, configDir, config);
            try {
                result = SpecImporter.read(text, settings.name, settings::selected, settings::riskOf);
            } catch (SpecImporter.SpecException e) {
                throw new IllegalArgumentException("spec " + settings.spec + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("spec " + settings.spec + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
            }
            baseUrl = baseUrl(settings, result.serverUrl(), remote);
        } catch (IllegalArgumentException e) {
            // what a URL serves can change without the configuration changing: try again later
            throw remote ? new Unavailable(e.getMessage()) : e;
        }
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
