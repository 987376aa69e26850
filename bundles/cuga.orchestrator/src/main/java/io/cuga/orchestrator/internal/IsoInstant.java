package io.cuga.orchestrator.internal;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Writes an instant exactly as {@link Instant#toString()} does, with the part up to the second kept from the last
 * call: a call's {@code startedAt} is written for every event that describes it, and the general formatter cost a
 * microsecond or more per call. Thread-safe.
 */
final class IsoInstant {

    /** The text up to the seconds, without the zone, of one epoch second. */
    private record Second(long epochSecond, String text) {
    }

    private static volatile Second last;

    private IsoInstant() {
    }

    /**
     * @param instant an instant
     * @return what {@code instant.toString()} returns
     */
    static String format(Instant instant) {
        long epochSecond = instant.getEpochSecond();
        Second s = last;
        if (s == null || s.epochSecond != epochSecond) {
            String full = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(epochSecond));
            if (full.length() != 20 || full.charAt(19) != 'Z') {
                return instant.toString(); // years beyond 9999 or before 0: rare, left to the general formatter
            }
            s = new Second(epochSecond, full.substring(0, 19));
            last = s;
        }
        int nanos = instant.getNano();
        StringBuilder out = new StringBuilder(30).append(s.text);
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
            out.append('.');
            String text = Integer.toString(value);
            for (int i = text.length(); i < digits; i++) {
                out.append('0');
            }
            out.append(text);
        }
        return out.append('Z').toString();
    }
}
