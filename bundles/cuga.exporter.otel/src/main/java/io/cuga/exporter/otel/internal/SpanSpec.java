package io.cuga.exporter.otel.internal;

import java.util.List;

import io.opentelemetry.api.common.Attributes;

/**
 * A span to emit, as read from an event: ids, times (epoch nanoseconds), attributes, status and children.
 *
 * @param name the span name, e.g. {@code execute_tool calculator}
 * @param traceId 32 hex digits
 * @param spanId 16 hex digits
 * @param parentSpanId the parent's span id (a remote caller's for a top span), or null for a root span
 * @param startEpochNanos when it started
 * @param endEpochNanos when it ended
 * @param attributes its attributes
 * @param error whether its status is ERROR
 * @param statusMessage the status description of an error, or an empty string
 * @param children spans whose parent this one is
 * @param shared the name, attributes and status already in OTLP protobuf ({@link OtlpProto#sharedPart}), for a span
 *     that shares them with many others, or null
 * @param parentSampled the parent's sampled flag: false when the caller does not record the trace (its
 *     {@code traceparent} said so), which a parent-based sampler follows
 */
record SpanSpec(String name, String traceId, String spanId, String parentSpanId, long startEpochNanos,
    long endEpochNanos, Attributes attributes, boolean error, String statusMessage, List<SpanSpec> children,
    byte[] shared, boolean parentSampled) {

    /** A span whose parent, if any, is sampled. */
    SpanSpec(String name, String traceId, String spanId, String parentSpanId, long startEpochNanos,
        long endEpochNanos, Attributes attributes, boolean error, String statusMessage, List<SpanSpec> children,
        byte[] shared) {
        this(name, traceId, spanId, parentSpanId, startEpochNanos, endEpochNanos, attributes, error, statusMessage,
            children, shared, true);
    }
}
