package io.cuga.http.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C trace context of one request (https://www.w3.org/TR/trace-context/). A valid {@code traceparent}
 * keeps its trace id and flags; an absent or invalid one starts a new trace. Either way this server's span gets
 * a new span id, and {@link #traceparent()} is what the response carries.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param parentId the caller's span id, or null when the trace started here
 * @param spanId this server's span id, 16 lowercase hex digits, not all zero
 * @param flags the trace flags, two lowercase hex digits
 */
record TraceContext(String traceId, String parentId, String spanId, String flags) {

    /** The header name. */
    static final String HEADER = "traceparent";

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** @return the {@code traceparent} header value for the response and for calls made on its behalf */
    String traceparent() {
        return "00-" + traceId + '-' + spanId + '-' + flags;
    }

    /** @return whether the caller records this trace: bit 0 of the trace flags (a new trace always is) */
    boolean sampled() {
        return (Character.digit(flags.charAt(1), 16) & 1) == 1;
    }

    /**
     * @param header the request's {@code traceparent}, or null
     * @return the continued trace when the header is valid, else a new one
     */
    static TraceContext fromHeader(String header) {
        if (header != null && isValid(header)) {
            String flags = header.substring(53, 55);
            return new TraceContext(header.substring(3, 35), header.substring(36, 52), newSpanId(), flags);
        }
        return new TraceContext(newTraceId(), null, newSpanId(), "01");
    }

    /**
     * Checks a header against the W3C grammar: {@code version-traceid-parentid-flags}, lowercase hex, version not
     * {@code ff}, ids not all zero, exactly 55 characters for version {@code 00}; a later version may append
     * fields after a dash.
     *
     * @param header a {@code traceparent} value
     * @return whether it is valid
     */
    static boolean isValid(String header) {
        int length = header.length();
        if (length < 55 || header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return false;
        }
        if (!isHex(header, 0, 2) || header.startsWith("ff")) {
            return false;
        }
        if (header.startsWith("00") ? length != 55 : length > 55 && header.charAt(55) != '-') {
            return false;
        }
        return isHex(header, 3, 35) && !isZero(header, 3, 35) && isHex(header, 36, 52) && !isZero(header, 36, 52)
            && isHex(header, 53, 55);
    }

    /**
     * @param id a candidate trace id
     * @return whether it is 32 lowercase hexadecimal digits, not all zero
     */
    static boolean isTraceId(String id) {
        return id.length() == 32 && isHex(id, 0, 32) && !isZero(id, 0, 32);
    }

    /** @return a new random trace id */
    static String newTraceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high;
        long low;
        do {
            high = random.nextLong();
            low = random.nextLong();
        } while (high == 0 && low == 0);
        char[] out = new char[32];
        hex(high, out, 0);
        hex(low, out, 16);
        return new String(out);
    }

    /** @return a new random span id */
    static String newSpanId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        char[] out = new char[16];
        hex(id, out, 0);
        return new String(out);
    }

    private static void hex(long value, char[] out, int offset) {
        for (int i = 15; i >= 0; i--) {
            out[offset + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
