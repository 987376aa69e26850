package io.cuga.exporter.jsonl.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import io.cuga.api.event.Event;

/**
 * Writes events as JSON objects: {@code type, time} (ISO-8601, as {@link DateTimeFormatter#ISO_INSTANT} prints
 * it), {@code traceId, profile, session, status, durationNanos, attributes}. Attribute values are written as JSON
 * when they are JSON-like (null, strings, numbers, booleans, maps, collections, arrays) and as their
 * {@code toString()} otherwise, so no getter of an unknown object ever runs; non-finite numbers as strings.
 * Nesting deeper than {@value #MAX_DEPTH} is written as a string.
 *
 * <p>The JSON is written straight into one reusable byte buffer (an event costs well under a microsecond; a
 * general-purpose JSON generator per event cost several times that), so an instance is not thread-safe: its
 * owner serialises the calls. Strings are escaped as RFC 8259 requires: quote, backslash and control characters;
 * everything else is written as UTF-8 (lone surrogates as U+FFFD).
 */
final class EventJson {

    /** Deepest nesting written as JSON. */
    static final int MAX_DEPTH = 64;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[1024];
    private int count;
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedPrefix;

    /**
     * Serialises an event into this writer's buffer, replacing what was there.
     *
     * @param event an event
     * @return the length of the JSON, in bytes
     */
    int write(Event event) {
        count = 0;
        try {
            raw("{\"type\":");
            string(event.type());
            raw(",\"time\":\"");
            time(event.time());
            raw("\",\"traceId\":");
            string(event.traceId());
            raw(",\"profile\":");
            string(event.profile());
            raw(",\"session\":");
            string(event.session());
            raw(",\"status\":");
            string(event.status());
            raw(",\"durationNanos\":");
            raw(Long.toString(event.durationNanos()));
            raw(",\"attributes\":");
            value(event.attributes(), 0);
            put((byte) '}');
        } catch (RuntimeException e) {
            count = 0;
            throw e;
        }
        return count;
    }

    /**
     * @param out where the last written event goes, followed by {@code last}
     * @param last a byte to end it with (a line feed)
     * @throws IOException when writing fails
     */
    void writeTo(OutputStream out, byte last) throws IOException {
        put(last);
        out.write(buf, 0, count);
        count--;
    }

    /** @return the last written event as text (tests) */
    String text() {
        return new String(buf, 0, count, StandardCharsets.UTF_8);
    }

    /** @return the time as {@link DateTimeFormatter#ISO_INSTANT} prints it (tests) */
    String timeText(Instant instant) {
        count = 0;
        time(instant);
        return text();
    }

    /** As {@link DateTimeFormatter#ISO_INSTANT} prints it, with the part up to the seconds cached. */
    private void time(Instant instant) {
        long second = instant.getEpochSecond();
        if (second != cachedSecond || cachedPrefix == null) {
            String full = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(second));
            cachedPrefix = full.substring(0, full.length() - 1).getBytes(StandardCharsets.US_ASCII); // no Z
            cachedSecond = second;
        }
        ensure(cachedPrefix.length + 11);
        System.arraycopy(cachedPrefix, 0, buf, count, cachedPrefix.length);
        count += cachedPrefix.length;
        int nanos = instant.getNano();
        if (nanos > 0) {
            int digits;
            int value;
            if (nanos % 1_000_000 == 0) {
                digits = 3;
                value = nanos / 1_000_000;
            } else if (nanos % 1_000 == 0) {
                digits = 6;
                value = nanos / 1_000;
            } else {
                digits = 9;
                value = nanos;
            }
            buf[count++] = '.';
            for (int i = digits - 1; i >= 0; i--) {
                buf[count + i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            count += digits;
        }
        buf[count++] = 'Z';
    }

    private void value(Object value, int depth) {
        if (value == null) {
            raw("null");
        } else if (value instanceof String s) {
            string(s);
        } else if (value instanceof Boolean b) {
            raw(b ? "true" : "false");
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
            || value instanceof Byte) {
            raw(Long.toString(((Number) value).longValue()));
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                raw(value instanceof Float f ? Float.toString(f) : Double.toString(d));
            } else {
                string(Double.toString(d));
            }
        } else if (value instanceof BigDecimal d) {
            raw(d.toString());
        } else if (value instanceof BigInteger i) {
            raw(i.toString());
        } else if (depth >= MAX_DEPTH) {
            string(value.getClass().getSimpleName() + " nested too deep");
        } else if (value instanceof Map<?, ?> map) {
            put((byte) '{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    put((byte) ',');
                }
                first = false;
                string(String.valueOf(entry.getKey()));
                put((byte) ':');
                value(entry.getValue(), depth + 1);
            }
            put((byte) '}');
        } else if (value instanceof Collection<?> list) {
            put((byte) '[');
            boolean first = true;
            for (Object item : list) {
                if (!first) {
                    put((byte) ',');
                }
                first = false;
                value(item, depth + 1);
            }
            put((byte) ']');
        } else if (value instanceof Object[] array) {
            value(Arrays.asList(array), depth);
        } else {
            string(String.valueOf(value));
        }
    }

    /** Appends ASCII text as it is. */
    private void raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[count++] = (byte) ascii.charAt(i);
        }
    }

    /** Appends a JSON string: quoted, escaped, UTF-8. */
    private void string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[count++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                if (count == buf.length) {
                    ensure(1);
                }
                buf[count++] = (byte) c;
            } else {
                i = special(s, i, c);
            }
        }
        ensure(1);
        buf[count++] = '"';
    }

    /** Escapes or encodes one character (or a surrogate pair) at {@code i}; returns the last index used. */
    private int special(String s, int i, char c) {
        ensure(6);
        if (c == '"' || c == '\\') {
            buf[count++] = '\\';
            buf[count++] = (byte) c;
        } else if (c < 0x20) {
            buf[count++] = '\\';
            switch (c) {
                case '\n' -> buf[count++] = 'n';
                case '\r' -> buf[count++] = 'r';
                case '\t' -> buf[count++] = 't';
                case '\b' -> buf[count++] = 'b';
                case '\f' -> buf[count++] = 'f';
                default -> {
                    buf[count++] = 'u';
                    buf[count++] = '0';
                    buf[count++] = '0';
                    buf[count++] = HEX[c >> 4];
                    buf[count++] = HEX[c & 0xF];
                }
            }
        } else if (c < 0x800) {
            buf[count++] = (byte) (0xC0 | c >> 6);
            buf[count++] = (byte) (0x80 | c & 0x3F);
        } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            buf[count++] = (byte) (0xF0 | cp >> 18);
            buf[count++] = (byte) (0x80 | cp >> 12 & 0x3F);
            buf[count++] = (byte) (0x80 | cp >> 6 & 0x3F);
            buf[count++] = (byte) (0x80 | cp & 0x3F);
            return i + 1;
        } else {
            char ch = Character.isSurrogate(c) ? '\uFFFD' : c;
            buf[count++] = (byte) (0xE0 | ch >> 12);
            buf[count++] = (byte) (0x80 | ch >> 6 & 0x3F);
            buf[count++] = (byte) (0x80 | ch & 0x3F);
        }
        return i;
    }

    private void put(byte b) {
        ensure(1);
        buf[count++] = b;
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }
    }
}
