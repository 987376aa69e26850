package io.cuga.exporter.jsonl.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.cuga.api.event.Event;

/**
 * Writes an event as one JSON object: {@code type, time} (ISO-8601), {@code traceId, profile, session, status,
 * durationNanos, attributes}. Attribute values are written as JSON when they are JSON-like (null, strings,
 * numbers, booleans, maps, collections, arrays) and as their {@code toString()} otherwise, so no getter of an
 * unknown object ever runs. Nesting deeper than {@value #MAX_DEPTH} is written as a string.
 */
final class EventJson {

    /** Deepest nesting written as JSON. */
    static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private EventJson() {
    }

    /**
     * @param event an event
     * @param out where the JSON goes (not closed)
     * @throws IOException when writing fails
     */
    static void write(Event event, OutputStream out) throws IOException {
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeStartObject();
            json.writeStringField("type", event.type());
            json.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(event.time()));
            json.writeStringField("traceId", event.traceId());
            json.writeStringField("profile", event.profile());
            json.writeStringField("session", event.session());
            json.writeStringField("status", event.status());
            json.writeNumberField("durationNanos", event.durationNanos());
            json.writeFieldName("attributes");
            value(json, event.attributes(), 0);
            json.writeEndObject();
        }
    }

    private static void value(JsonGenerator json, Object value, int depth) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
            || value instanceof Byte) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                json.writeNumber(d);
            } else {
                json.writeString(Double.toString(d));
            }
        } else if (value instanceof BigDecimal d) {
            json.writeNumber(d);
        } else if (value instanceof BigInteger i) {
            json.writeNumber(i);
        } else if (depth >= MAX_DEPTH) {
            json.writeString(String.valueOf(value.getClass().getSimpleName()) + " nested too deep");
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.writeFieldName(String.valueOf(entry.getKey()));
                value(json, entry.getValue(), depth + 1);
            }
            json.writeEndObject();
        } else if (value instanceof Collection<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                value(json, item, depth + 1);
            }
            json.writeEndArray();
        } else if (value instanceof Object[] array) {
            value(json, Arrays.asList(array), depth);
        } else {
            json.writeString(String.valueOf(value));
        }
    }
}
