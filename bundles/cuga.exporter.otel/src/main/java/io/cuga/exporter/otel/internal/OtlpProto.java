package io.cuga.exporter.otel.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;

/**
 * Writes the OTLP protobuf messages this exporter sends ({@code opentelemetry/proto/trace/v1/trace.proto} and
 * {@code collector/trace/v1/trace_service.proto}, wire format of protobuf 3) into a growable buffer: each span of a
 * {@link SpanSpec} as one {@code Span} message, and a request of many as an {@code ExportTraceServiceRequest} with
 * one resource and one instrumentation scope. Spans are written straight from the events' figures, without SDK
 * span objects: a call's {@code apply_guardrail} spans share their name, attributes and status with every call
 * decided alike, and those are written once ({@link #sharedPart}) and copied.
 *
 * <p>Not thread-safe: one buffer per thread.
 */
final class OtlpProto {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    // Span
    private static final int SPAN_TRACE_ID = 1;
    private static final int SPAN_SPAN_ID = 2;
    private static final int SPAN_PARENT_SPAN_ID = 4;
    private static final int SPAN_NAME = 5;
    private static final int SPAN_KIND = 6;
    private static final int SPAN_START = 7;
    private static final int SPAN_END = 8;
    private static final int SPAN_ATTRIBUTES = 9;
    private static final int SPAN_STATUS = 15;
    private static final int SPAN_FLAGS = 16;
    private static final int KIND_INTERNAL = 1;
    private static final int STATUS_MESSAGE = 2;
    private static final int STATUS_CODE = 3;
    private static final int STATUS_CODE_ERROR = 2;
    /** SpanFlags: the W3C sampled flag, and whether the parent is known to be remote and whether it is */
    private static final int FLAG_SAMPLED = 0x01;
    private static final int FLAG_HAS_IS_REMOTE = 0x100;
    private static final int FLAG_IS_REMOTE = 0x200;
    // KeyValue, AnyValue, ArrayValue
    private static final int KV_KEY = 1;
    private static final int KV_VALUE = 2;
    private static final int ANY_STRING = 1;
    private static final int ANY_BOOL = 2;
    private static final int ANY_INT = 3;
    private static final int ANY_DOUBLE = 4;
    private static final int ANY_ARRAY = 5;
    private static final int ARRAY_VALUES = 1;
    // ExportTraceServiceRequest, ResourceSpans, Resource, ScopeSpans, InstrumentationScope
    private static final int REQUEST_RESOURCE_SPANS = 1;
    private static final int RESOURCE_SPANS_RESOURCE = 1;
    private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
    private static final int RESOURCE_ATTRIBUTES = 1;
    private static final int SCOPE_SPANS_SCOPE = 1;
    private static final int SCOPE_SPANS_SPANS = 2;
    private static final int SCOPE_NAME = 1;
    private static final int SCOPE_VERSION = 2;

    /** UTF-8 of attribute keys, which are few and constant */
    private static final Map<String, byte[]> KEYS = new ConcurrentHashMap<>();
    private static final int MAX_KEYS = 1024;

    private byte[] buf;
    private int pos;

    OtlpProto() {
        this(512);
    }

    private OtlpProto(int capacity) {
        buf = new byte[capacity];
    }

    /** Empties the buffer. */
    OtlpProto reset() {
        pos = 0;
        return this;
    }

    /** @return a copy of what was written */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /**
     * Writes one span (no field tag of its own: the bytes are a whole {@code Span} message).
     *
     * @param spec the span (its children are not written)
     * @param traceId the trace id's 16 bytes
     * @param parentSpanId the parent's 16 hex digits, or null for a root span
     * @param remoteParent whether the parent is another process's span
     */
    OtlpProto span(SpanSpec spec, byte[] traceId, String parentSpanId, boolean remoteParent) {
        bytesField(SPAN_TRACE_ID, traceId, 0, traceId.length);
        tag(SPAN_SPAN_ID, LENGTH_DELIMITED);
        hexBytes(spec.spanId());
        if (parentSpanId != null) {
            tag(SPAN_PARENT_SPAN_ID, LENGTH_DELIMITED);
            hexBytes(parentSpanId);
        }
        if (spec.shared() != null) {
            raw(spec.shared());
        } else {
            namedAttributesAndStatus(spec.name(), spec.attributes(), spec.error(), spec.statusMessage());
        }
        tag(SPAN_KIND, VARINT);
        varint(KIND_INTERNAL);
        tag(SPAN_START, FIXED64);
        fixed64(spec.startEpochNanos());
        tag(SPAN_END, FIXED64);
        fixed64(Math.max(spec.endEpochNanos(), spec.startEpochNanos()));
        tag(SPAN_FLAGS, FIXED32);
        fixed32(FLAG_SAMPLED | (parentSpanId == null ? 0 : FLAG_HAS_IS_REMOTE | (remoteParent ? FLAG_IS_REMOTE : 0)));
        return this;
    }

    /**
     * The name, attributes and status fields of a span, to be copied into every span that shares them (the
     * {@code shared} part of a {@link SpanSpec}).
     */
    static byte[] sharedPart(String name, Attributes attributes, boolean error, String statusMessage) {
        return new OtlpProto().namedAttributesAndStatus(name, attributes, error, statusMessage).toByteArray();
    }

    private OtlpProto namedAttributesAndStatus(String name, Attributes attributes, boolean error,
        String statusMessage) {
        stringField(SPAN_NAME, name);
        attributes(SPAN_ATTRIBUTES, attributes);
        if (error) {
            int status = begin(SPAN_STATUS);
            if (statusMessage != null && !statusMessage.isEmpty()) {
                stringField(STATUS_MESSAGE, statusMessage);
            }
            tag(STATUS_CODE, VARINT);
            varint(STATUS_CODE_ERROR);
            end(status);
        }
        return this;
    }

    /**
     * The fields every request starts its one {@code ResourceSpans} with: the resource, and the scope of the
     * {@code ScopeSpans}; see {@link #request}.
     *
     * @return {@code [resource field, scope field]}
     */
    static byte[][] header(Attributes resource, String scopeName, String scopeVersion) {
        OtlpProto p = new OtlpProto();
        int r = p.begin(RESOURCE_SPANS_RESOURCE);
        p.attributes(RESOURCE_ATTRIBUTES, resource);
        p.end(r);
        byte[] resourceField = p.toByteArray();
        p.reset();
        int s = p.begin(SCOPE_SPANS_SCOPE);
        p.stringField(SCOPE_NAME, scopeName);
        if (scopeVersion != null && !scopeVersion.isEmpty()) {
            p.stringField(SCOPE_VERSION, scopeVersion);
        }
        p.end(s);
        return new byte[][] {resourceField, p.toByteArray()};
    }

    /**
     * An {@code ExportTraceServiceRequest} of these spans, of one resource and one scope.
     *
     * @param header what {@link #header} made
     * @param spans whole {@code Span} messages
     * @return the request's bytes
     */
    static byte[] request(byte[][] header, List<byte[]> spans) {
        long spansLength = 0;
        for (byte[] span : spans) {
            spansLength += 1 + varintSize(span.length) + span.length;
        }
        long scopeSpans = header[1].length + spansLength;
        long resourceSpans = header[0].length + 1 + varintSize(scopeSpans) + scopeSpans;
        long total = 1 + varintSize(resourceSpans) + resourceSpans;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("an OTLP request of " + total + " bytes");
        }
        OtlpProto p = new OtlpProto((int) total);
        p.tag(REQUEST_RESOURCE_SPANS, LENGTH_DELIMITED);
        p.varint(resourceSpans);
        p.raw(header[0]);
        p.tag(RESOURCE_SPANS_SCOPE_SPANS, LENGTH_DELIMITED);
        p.varint(scopeSpans);
        p.raw(header[1]);
        for (byte[] span : spans) {
            p.bytesField(SCOPE_SPANS_SPANS, span, 0, span.length);
        }
        return p.buf;
    }

    private void attributes(int field, Attributes attributes) {
        attributes.forEach((key, value) -> {
            int kv = begin(field);
            byte[] k = key(key);
            bytesField(KV_KEY, k, 0, k.length);
            int any = begin(KV_VALUE);
            value(key, value);
            end(any);
            end(kv);
        });
    }

    private void value(AttributeKey<?> key, Object value) {
        switch (key.getType()) {
            case STRING, BOOLEAN, LONG, DOUBLE -> scalar(value);
            case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
                int array = begin(ANY_ARRAY);
                for (Object element : (List<?>) value) {
                    int any = begin(ARRAY_VALUES);
                    scalar(element);
                    end(any);
                }
                end(array);
            }
            default -> stringField(ANY_STRING, String.valueOf(value));
        }
    }

    /** The one field of an {@code AnyValue} that holds a string, boolean, integer or double. */
    private void scalar(Object value) {
        if (value instanceof Boolean b) {
            tag(ANY_BOOL, VARINT);
            varint(b ? 1 : 0);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
            || value instanceof Byte) {
            tag(ANY_INT, VARINT);
            varint(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            tag(ANY_DOUBLE, FIXED64);
            fixed64(Double.doubleToRawLongBits(((Number) value).doubleValue()));
        } else {
            stringField(ANY_STRING, String.valueOf(value));
        }
    }

    private static byte[] key(AttributeKey<?> key) {
        byte[] bytes = KEYS.get(key.getKey());
        if (bytes == null) {
            bytes = key.getKey().getBytes(StandardCharsets.UTF_8);
            if (KEYS.size() < MAX_KEYS) {
                KEYS.put(key.getKey(), bytes);
            }
        }
        return bytes;
    }

    // the wire format

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    private void tag(int field, int wireType) {
        varint((field << 3) | wireType);
    }

    private void varint(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf[pos++] = (byte) value;
    }

    static int varintSize(long value) {
        int size = 1;
        while ((value & ~0x7FL) != 0) {
            size++;
            value >>>= 7;
        }
        return size;
    }

    private void fixed64(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (value >>> (8 * i));
        }
    }

    private void fixed32(int value) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[pos++] = (byte) (value >>> (8 * i));
        }
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void bytesField(int field, byte[] bytes, int offset, int length) {
        tag(field, LENGTH_DELIMITED);
        varint(length);
        ensure(length);
        System.arraycopy(bytes, offset, buf, pos, length);
        pos += length;
    }

    private void stringField(int field, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        bytesField(field, bytes, 0, bytes.length);
    }

    /** The length and bytes of an id in hex digits (already checked to be hex by {@link SpanIds}). */
    private void hexBytes(String hex) {
        int n = hex.length() / 2;
        varint(n);
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[pos++] = (byte) HexFormat.fromHexDigits(hex, 2 * i, 2 * i + 2);
        }
    }

    /** @return the 16 or 8 bytes of an id in hex digits */
    static byte[] idBytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** Starts a nested message: its tag, and one byte kept for its length. @return where its length goes */
    private int begin(int field) {
        tag(field, LENGTH_DELIMITED);
        ensure(1);
        return pos++;
    }

    /** Ends the nested message begun at {@code lengthAt}: its length, moving it when it takes more than a byte. */
    private void end(int lengthAt) {
        int length = pos - lengthAt - 1;
        int size = varintSize(length);
        if (size > 1) {
            ensure(size - 1);
            System.arraycopy(buf, lengthAt + 1, buf, lengthAt + size, length);
            pos += size - 1;
        }
        int end = pos;
        pos = lengthAt;
        varint(length);
        pos = end;
    }
}
