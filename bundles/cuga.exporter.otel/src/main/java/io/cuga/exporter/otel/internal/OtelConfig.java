package io.cuga.exporter.otel.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration (PID {@value #PID}). Every key left at its default falls back to the standard OpenTelemetry
 * environment variable named in its description, and then to the OpenTelemetry default; a value set here wins.
 */
@ObjectClassDefinition(name = "cuga OpenTelemetry exporter",
    description = "Tool calls, guardrails and agent tasks as OpenTelemetry spans over OTLP/HTTP protobuf. Without "
        + "an endpoint (here or in OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) it idles.")
public @interface OtelConfig {

    /** The configuration PID. */
    String PID = "cuga.exporter.otel";

    @AttributeDefinition(name = "Enabled",
        description = "false switches the exporter off whatever the environment says (as OTEL_SDK_DISABLED=true "
            + "or OTEL_TRACES_EXPORTER=none do).")
    boolean enabled() default true;

    @AttributeDefinition(name = "Endpoint",
        description = "Base URL of the OTLP/HTTP receiver; spans go to <endpoint>/v1/traces. Empty: "
            + "OTEL_EXPORTER_OTLP_ENDPOINT.")
    String endpoint() default "";

    @AttributeDefinition(name = "Traces endpoint",
        description = "Full URL spans are posted to, used as is (wins over endpoint). Empty: "
            + "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.")
    String traces_endpoint() default "";

    @AttributeDefinition(name = "Headers",
        description = "Request headers as key=value pairs separated by commas, values URL-encoded (e.g. an API key "
            + "of the collector). Empty: OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS on top.")
    String headers() default "";

    @AttributeDefinition(name = "Service name",
        description = "The service.name resource attribute. Empty: OTEL_SERVICE_NAME, then service.name of "
            + "OTEL_RESOURCE_ATTRIBUTES, then cuga.")
    String service_name() default "";

    @AttributeDefinition(name = "Sampler",
        description = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or "
            + "parentbased_traceidratio. Empty: OTEL_TRACES_SAMPLER, then parentbased_always_on.")
    String traces_sampler() default "";

    @AttributeDefinition(name = "Sampler argument",
        description = "The ratio (0 to 1) of the traceidratio samplers. Empty: OTEL_TRACES_SAMPLER_ARG, then 1.0.")
    String traces_sampler_arg() default "";

    @AttributeDefinition(name = "Export timeout (ms)",
        description = "How long one export request may take. 0: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, then "
            + "OTEL_EXPORTER_OTLP_TIMEOUT, then 10000.", min = "0")
    long timeout_millis() default 0;

    @AttributeDefinition(name = "Compression",
        description = "gzip or none. Empty: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, then "
            + "OTEL_EXPORTER_OTLP_COMPRESSION, then none.")
    String compression() default "";

    @AttributeDefinition(name = "Queue size",
        description = "Most finished spans waiting for export; more are dropped and counted "
            + "(cuga_exporter_dropped_events_total{sink=\"otel.spans\"}). 0: OTEL_BSP_MAX_QUEUE_SIZE, then 8192.",
        min = "0")
    int max_queue_size() default 0;

    @AttributeDefinition(name = "Batch size",
        description = "Most spans in one export request. 0: OTEL_BSP_MAX_EXPORT_BATCH_SIZE, then 2048.", min = "0")
    int max_export_batch_size() default 0;

    @AttributeDefinition(name = "Schedule delay (ms)",
        description = "Longest time a span waits for a batch to fill. 0: OTEL_BSP_SCHEDULE_DELAY, then 5000.",
        min = "0")
    long schedule_delay_millis() default 0;

    @AttributeDefinition(name = "Capture content",
        description = "Put a call's arguments and result on its execute_tool span (gen_ai.tool.call.arguments, "
            + "gen_ai.tool.call.result), as redacted by the profile's redaction rules and the event publisher. The "
            + "events carry them only when cuga.dispatcher events.include.content is true. Also on when "
            + "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.")
    boolean capture_content() default false;

    @AttributeDefinition(name = "Content length limit",
        description = "Characters of arguments or result (as JSON) kept on a span; the rest is cut.", min = "16")
    int max_content_length() default 4096;
}
