package io.cuga.exporter.otel.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The exporter's settings: the configuration where it sets a value, else the standard {@code OTEL_*}
 * environment variables, else the OpenTelemetry defaults.
 *
 * @param endpoint the URL spans are posted to, or null when there is none (the exporter idles)
 * @param idleReason why the exporter idles, or null when it exports
 * @param headers request headers
 * @param serviceName the service.name resource attribute
 * @param resource further resource attributes (from OTEL_RESOURCE_ATTRIBUTES)
 * @param sampler the sampler name, lower case
 * @param samplerRatio the ratio of the traceidratio samplers
 * @param timeoutMillis one export request
 * @param compression gzip or none
 * @param maxQueueSize finished spans waiting for export
 * @param maxBatchSize spans in one request
 * @param scheduleDelayMillis longest wait for a batch to fill
 * @param captureContent whether arguments and results go on spans
 * @param maxContentLength characters of content kept
 */
record Settings(String endpoint, String idleReason, Map<String, String> headers, String serviceName,
    Map<String, String> resource, String sampler, double samplerRatio, long timeoutMillis, String compression,
    int maxQueueSize, int maxBatchSize, long scheduleDelayMillis, boolean captureContent, int maxContentLength) {

    static final String DEFAULT_SERVICE_NAME = "cuga";

    /**
     * Spans per request unless configured. Four times the SDK's 512: a guarded call gives 8 spans (its tool span
     * and one per guardrail), so this is 256 calls per request, and the per-request cost of the HTTP client,
     * about 0.4 ms of CPU, falls from ~12 to ~3 µs per call (docs/benchmarks.md).
     */
    static final int DEFAULT_BATCH_SIZE = 2048;

    /** Spans waiting unless configured: four batches, as the SDK's 2048 are four of its 512. */
    static final int DEFAULT_QUEUE_SIZE = 8192;

    /** @return whether spans are exported */
    boolean enabled() {
        return idleReason == null;
    }

    /**
     * @param config the configuration
     * @param env the environment ({@link System#getenv()})
     * @return the settings
     */
    static Settings resolve(OtelConfig config, Map<String, String> env) {
        String idle = null;
        String endpoint = traceEndpoint(config, env);
        String protocol = first(env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), env.get("OTEL_EXPORTER_OTLP_PROTOCOL"));
        if (!config.enabled()) {
            idle = "switched off in configuration " + OtelConfig.PID + " (enabled=false)";
        } else if ("true".equalsIgnoreCase(trim(env.get("OTEL_SDK_DISABLED")))) {
            idle = "OTEL_SDK_DISABLED=true";
        } else if ("none".equalsIgnoreCase(trim(env.get("OTEL_TRACES_EXPORTER")))) {
            idle = "OTEL_TRACES_EXPORTER=none";
        } else if (endpoint == null) {
            idle = "no OTLP endpoint: set OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or "
                + "endpoint in " + OtelConfig.PID + ")";
        } else if (protocol != null && !protocol.equalsIgnoreCase("http/protobuf")) {
            idle = "OTLP protocol '" + protocol + "' is not supported: only http/protobuf is";
        } else if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            idle = "the OTLP endpoint '" + endpoint + "' is not an http:// or https:// URL";
        }

        Map<String, String> headers = new LinkedHashMap<>();
        if (!trim(config.headers()).isEmpty()) {
            headers.putAll(pairs(config.headers()));
        } else {
            headers.putAll(pairs(env.get("OTEL_EXPORTER_OTLP_HEADERS")));
            headers.putAll(pairs(env.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS")));
        }
        Map<String, String> resource = pairs(env.get("OTEL_RESOURCE_ATTRIBUTES"));
        String serviceName = first(config.service_name(), env.get("OTEL_SERVICE_NAME"), resource.get("service.name"),
            DEFAULT_SERVICE_NAME);
        resource.remove("service.name");

        String sampler = first(config.traces_sampler(), env.get("OTEL_TRACES_SAMPLER"), "parentbased_always_on")
            .toLowerCase(Locale.ROOT);
        double ratio = ratio(first(config.traces_sampler_arg(), env.get("OTEL_TRACES_SAMPLER_ARG"), "1.0"));

        long timeout = config.timeout_millis() > 0 ? config.timeout_millis()
            : number(first(env.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"), env.get("OTEL_EXPORTER_OTLP_TIMEOUT")), 10_000);
        String compression = first(config.compression(), env.get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"),
            env.get("OTEL_EXPORTER_OTLP_COMPRESSION"), "none").toLowerCase(Locale.ROOT);
        if (!compression.equals("gzip")) {
            compression = "none";
        }
        int queue = (int) (config.max_queue_size() > 0 ? config.max_queue_size()
            : number(env.get("OTEL_BSP_MAX_QUEUE_SIZE"), DEFAULT_QUEUE_SIZE));
        int batch = (int) (config.max_export_batch_size() > 0 ? config.max_export_batch_size()
            : number(env.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), DEFAULT_BATCH_SIZE));
        long delay = config.schedule_delay_millis() > 0 ? config.schedule_delay_millis()
            : number(env.get("OTEL_BSP_SCHEDULE_DELAY"), 5000);
        boolean content = config.capture_content()
            || "true".equalsIgnoreCase(trim(env.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")));
        return new Settings(idle == null ? endpoint : null, idle, Map.copyOf(headers), serviceName,
            Map.copyOf(resource), sampler, ratio, Math.max(1, timeout), compression, Math.max(1, queue),
            Math.max(1, Math.min(batch, Math.max(1, queue))), Math.max(1, delay), content,
            Math.max(16, config.max_content_length()));
    }

    /** The traces URL: the configured or environment traces endpoint as is, else the base with /v1/traces. */
    private static String traceEndpoint(OtelConfig config, Map<String, String> env) {
        String exact = first(config.traces_endpoint(), env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        if (exact != null) {
            return exact;
        }
        String base = first(config.endpoint(), env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (base == null) {
            return null;
        }
        return (base.endsWith("/") ? base : base + "/") + "v1/traces";
    }

    /** @return the first argument that is not blank, trimmed; null when all are */
    static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static String trim(String value) {
        return value == null ? "" : value.trim();
    }

    /** Parses {@code k1=v1,k2=v2} with URL-encoded values (W3C baggage style, as OTEL_*_HEADERS are). */
    static Map<String, String> pairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            try {
                value = URLDecoder.decode(value, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // kept as written
            }
            if (!key.isEmpty()) {
                out.put(key, value);
            }
        }
        return out;
    }

    private static long number(String text, long fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.trim());
            return value > 0 ? value : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static double ratio(String text) {
        try {
            double value = Double.parseDouble(text);
            return Double.isNaN(value) ? 1.0 : Math.max(0, Math.min(1, value));
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }
}
