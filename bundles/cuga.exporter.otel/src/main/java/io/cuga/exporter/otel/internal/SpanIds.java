package io.cuga.exporter.otel.internal;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic span ids, so the orchestrator, the outbound HTTP tool and this exporter agree on a span's id
 * without sharing state:
 * <ul>
 * <li>the {@code execute_tool} span of a call: the first 16 hex digits of its call id (32 hex digits);</li>
 * <li>an {@code apply_guardrail} span: a 64-bit hash (FNV-1a, then the SplitMix64 finaliser) of
 * {@code <call id>/<guardrail>};</li>
 * <li>an {@code invoke_agent} span: its {@code spanId} attribute when the agents runtime sets one, else the first
 * 16 hex digits of a 32-hex-digit task id, else the hash of the task id.</li>
 * </ul>
 * A hash of zero (invalid in W3C) becomes 1.
 */
final class SpanIds {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private SpanIds() {
    }

    /** @return the execute_tool span id of a call */
    static String ofCall(String callId) {
        return isHex(callId, 32) && !isZero(callId.substring(0, 16)) ? callId.substring(0, 16) : hash(callId);
    }

    /** @return the apply_guardrail span id of one guardrail of a call */
    static String ofGuardrail(String callId, String guardrail) {
        return hash(callId + "/" + guardrail);
    }

    /** @return the invoke_agent span id of a task without an explicit span id */
    static String ofTask(String taskId) {
        return ofCall(taskId);
    }

    /** @return 16 hex digits of a 64-bit hash of the text, never all zero */
    static String hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return hex(h == 0 ? 1 : h);
    }

    static String hex(long value) {
        char[] out = new char[16];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
        return new String(out);
    }

    /** @return whether the text is a W3C span id: 16 lowercase hex digits, not all zero */
    static boolean isSpanId(Object text) {
        return text instanceof String s && isHex(s, 16) && !isZero(s);
    }

    /** @return whether the text is a W3C trace id: 32 lowercase hex digits, not all zero */
    static boolean isTraceId(Object text) {
        return text instanceof String s && isHex(s, 32) && !isZero(s);
    }

    private static boolean isHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
