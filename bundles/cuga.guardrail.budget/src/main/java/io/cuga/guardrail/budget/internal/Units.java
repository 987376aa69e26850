package io.cuga.guardrail.budget.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Budget amounts are exact: whole millionths in a {@code long} (one call is 1,000,000 units; a cost of 0.1 is
 * 100,000), so sums never drift and the comparison with the ceiling is exact.
 */
final class Units {

    static final int SCALE = 6;
    static final long ONE = 1_000_000L;
    /** The largest amount a policy may name: about 9.2e12. */
    static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE / ONE / 2);

    private Units() {
    }

    /** @return the exact units of a policy value, or -1 when it has more than six decimals */
    static long exact(BigDecimal value) {
        BigDecimal scaled = value.movePointRight(SCALE);
        if (scaled.stripTrailingZeros().scale() > 0) {
            return -1;
        }
        return scaled.longValueExact();
    }

    /** @return the units of a reported amount, rounded up to the next millionth; -1 when not usable */
    static long reported(Object value) {
        if (!(value instanceof Number)) {
            return -1;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(value.toString());
        } catch (NumberFormatException e) {
            return -1; // NaN, infinity
        }
        if (d.signum() < 0 || d.compareTo(MAX) > 0) {
            return -1;
        }
        return d.movePointRight(SCALE).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** @return the amount as a number people read: no exponent, no trailing zeros */
    static BigDecimal decimal(long units) {
        BigDecimal d = BigDecimal.valueOf(units, SCALE).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    static String format(long units) {
        return decimal(units).toPlainString();
    }
}
