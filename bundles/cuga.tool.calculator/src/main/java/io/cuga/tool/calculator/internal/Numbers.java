package io.cuga.tool.calculator.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;

import io.cuga.api.tool.ToolException;

/**
 * Python's arithmetic on the calculator's values.
 *
 * <p>Values are {@link Long} (an integer that fits), {@link BigInteger} (an integer that does not fit a long;
 * never one that does), {@link Double}, {@link Boolean} (1 and 0 in arithmetic, as in Python) and
 * {@code List<Object>}. Integer results are exact and refused past {@link #MAX_DIGITS} digits; a float
 * result that is NaN is a domain error, and an infinite result computed from finite operands an overflow.
 */
final class Numbers {

    /** The most decimal digits an integer value may have. */
    static final int MAX_DIGITS = 1000;

    /** The largest exponent, in absolute value, of an integer power. */
    static final int MAX_EXPONENT = 10_000;

    /** Integers with more than {@link #MAX_DIGITS} digits are at least this large. */
    private static final BigInteger DIGIT_LIMIT = BigInteger.TEN.pow(MAX_DIGITS);

    /** Any integer of more bits than this has more than {@link #MAX_DIGITS} digits. */
    private static final int LIMIT_BITS = DIGIT_LIMIT.bitLength();

    /** Integers up to 2^53 convert to double exactly. */
    private static final long EXACT_DOUBLE = 1L << 53;

    private Numbers() {
    }

    // ---------------------------------------------------------------- kinds and conversions

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof BigInteger || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return isInteger(v) || v instanceof Double;
    }

    /**
     * @return the integer value as a long or BigInteger, after the digit check
     * @throws ToolException {@code overflow} past {@link #MAX_DIGITS} digits
     */
    static Object normalize(BigInteger v) throws ToolException {
        if (v.bitLength() < 64) {
            return v.longValue();
        }
        if (v.bitLength() >= LIMIT_BITS && v.abs().compareTo(DIGIT_LIMIT) >= 0) {
            throw new ToolException("overflow",
                "the integer result has more than " + MAX_DIGITS + " digits, which is more than the calculator allows");
        }
        return v;
    }

    /** @return the value as a number: booleans become 1 and 0, lists are refused */
    static Object number(Object v, String what) throws ToolException {
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (v instanceof Long || v instanceof BigInteger || v instanceof Double) {
            return v;
        }
        throw new ToolException("type_error", what + " needs numbers, not " + typeName(v)
            + (v instanceof List ? " (use sum, min or max for a list)" : ""));
    }

    static BigInteger big(Object integer) {
        if (integer instanceof BigInteger b) {
            return b;
        }
        if (integer instanceof Boolean b) {
            return b ? BigInteger.ONE : BigInteger.ZERO;
        }
        return BigInteger.valueOf((Long) integer);
    }

    /** @return the number as a double; an integer too large for a double is an overflow, as in Python */
    static double toDouble(Object number) throws ToolException {
        if (number instanceof Double d) {
            return d;
        }
        if (number instanceof Long l) {
            return l;
        }
        if (number instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        double d = ((BigInteger) number).doubleValue();
        if (Double.isInfinite(d)) {
            throw new ToolException("overflow", "the integer is too large to convert to a float");
        }
        return d;
    }

    static String typeName(Object v) {
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Double) {
            return "a float";
        }
        if (v instanceof List) {
            return "a list";
        }
        return "an integer";
    }

    /**
     * Checks a float result.
     *
     * @param operandsFinite whether every operand was finite: only then is an infinite result an overflow
     */
    static double checkFloat(double result, boolean operandsFinite, String what) throws ToolException {
        if (Double.isNaN(result)) {
            throw new ToolException("domain_error", "the result of " + what + " is undefined (not a number)");
        }
        if (operandsFinite && Double.isInfinite(result)) {
            throw new ToolException("overflow", "the result of " + what + " is too large for a float");
        }
        return result;
    }

    private static boolean finite(double a, double b) {
        return Double.isFinite(a) && Double.isFinite(b);
    }

    // ---------------------------------------------------------------- unary

    static Object negate(Object v) throws ToolException {
        Object n = number(v, "unary -");
        if (n instanceof Long l) {
            return l == Long.MIN_VALUE ? BigInteger.valueOf(l).negate() : (Object) (-l);
        }
        if (n instanceof BigInteger b) {
            return normalize(b.negate());
        }
        return -(Double) n;
    }

    static Object plus(Object v) throws ToolException {
        return number(v, "unary +");
    }

    static Object abs(Object v) throws ToolException {
        Object n = number(v, "abs()");
        if (n instanceof Long l) {
            return l == Long.MIN_VALUE ? BigInteger.valueOf(l).negate() : (Object) Math.abs(l);
        }
        if (n instanceof BigInteger b) {
            return normalize(b.abs());
        }
        return Math.abs((Double) n);
    }

    // ---------------------------------------------------------------- binary

    static Object apply(Node.BinOp op, Object left, Object right) throws ToolException {
        String what = "'" + op.symbol + "'";
        Object a = number(left, what);
        Object b = number(right, what);
        return switch (op) {
            case ADD -> add(a, b);
            case SUB -> subtract(a, b);
            case MUL -> multiply(a, b);
            case DIV -> divide(a, b);
            case FLOORDIV -> floorDivide(a, b);
            case MOD -> modulo(a, b);
            case POW -> power(a, b);
        };
    }

    private static Object add(Object a, Object b) throws ToolException {
        if (a instanceof Long x && b instanceof Long y) {
            long r = x + y;
            return ((x ^ r) & (y ^ r)) < 0 ? big(x).add(big(y)) : (Object) r;
        }
        if (isInteger(a) && isInteger(b)) {
            return normalize(big(a).add(big(b)));
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(x + y, finite(x, y), "'+'");
    }

    private static Object subtract(Object a, Object b) throws ToolException {
        if (a instanceof Long x && b instanceof Long y) {
            long r = x - y;
            return ((x ^ y) & (x ^ r)) < 0 ? big(x).subtract(big(y)) : (Object) r;
        }
        if (isInteger(a) && isInteger(b)) {
            return normalize(big(a).subtract(big(b)));
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(x - y, finite(x, y), "'-'");
    }

    private static Object multiply(Object a, Object b) throws ToolException {
        if (a instanceof Long x && b instanceof Long y) {
            long hi = Math.multiplyHigh(x, y);
            long lo = x * y;
            if (hi == 0 && lo >= 0 || hi == -1 && lo < 0) {
                return lo;
            }
            return big(x).multiply(big(y));
        }
        if (isInteger(a) && isInteger(b)) {
            return normalize(big(a).multiply(big(b)));
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(x * y, finite(x, y), "'*'");
    }

    /** True division: always a float, as in Python 3. */
    private static Object divide(Object a, Object b) throws ToolException {
        if (isZero(b)) {
            throw divisionByZero("division");
        }
        if (isInteger(a) && isInteger(b)) {
            if (a instanceof Long x && b instanceof Long y && Math.abs(x) <= EXACT_DOUBLE
                && Math.abs(y) <= EXACT_DOUBLE) {
                return (double) x / (double) y;
            }
            BigDecimal q = new BigDecimal(big(a)).divide(new BigDecimal(big(b)), MathContext.DECIMAL128);
            return checkFloat(q.doubleValue(), true, "'/'");
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(x / y, finite(x, y), "'/'");
    }

    private static Object floorDivide(Object a, Object b) throws ToolException {
        if (isZero(b)) {
            throw divisionByZero("integer division");
        }
        if (a instanceof Long x && b instanceof Long y && !(x == Long.MIN_VALUE && y == -1)) {
            return Math.floorDiv(x, y);
        }
        if (isInteger(a) && isInteger(b)) {
            BigInteger[] qr = big(a).divideAndRemainder(big(b));
            BigInteger q = qr[0];
            if (qr[1].signum() != 0 && qr[1].signum() != big(b).signum()) {
                q = q.subtract(BigInteger.ONE);
            }
            return normalize(q);
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(floatDivmod(x, y)[0], finite(x, y), "'//'");
    }

    private static Object modulo(Object a, Object b) throws ToolException {
        if (isZero(b)) {
            throw divisionByZero("modulo");
        }
        if (a instanceof Long x && b instanceof Long y) {
            return y == -1 ? 0L : Math.floorMod(x, y);
        }
        if (isInteger(a) && isInteger(b)) {
            BigInteger m = big(b);
            BigInteger r = big(a).remainder(m);
            if (r.signum() != 0 && r.signum() != m.signum()) {
                r = r.add(m);
            }
            return normalize(r);
        }
        double x = toDouble(a);
        double y = toDouble(b);
        return checkFloat(floatDivmod(x, y)[1], finite(x, y), "'%'");
    }

    /** Python's float divmod: the remainder takes the divisor's sign and the quotient is floored. */
    private static double[] floatDivmod(double x, double y) {
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0) {
            if ((y < 0) != (mod < 0)) {
                mod += y;
                div -= 1.0;
            }
        } else {
            mod = Math.copySign(0.0, y);
        }
        double floordiv;
        if (div != 0) {
            floordiv = Math.floor(div);
            if (div - floordiv > 0.5) {
                floordiv += 1.0;
            }
        } else {
            floordiv = Math.copySign(0.0, x / y);
        }
        return new double[] {floordiv, mod};
    }

    /**
     * {@code a ** b}: an integer for an integer base and a non-negative integer exponent, a float otherwise.
     */
    private static Object power(Object a, Object b) throws ToolException {
        if (isInteger(a) && isInteger(b)) {
            BigInteger base = big(a);
            BigInteger exp = big(b);
            if (exp.abs().compareTo(BigInteger.valueOf(MAX_EXPONENT)) > 0) {
                throw new ToolException("exponent_too_large", "the exponent " + Lexer.abbreviate(exp.toString())
                    + " is too large; integer powers allow exponents up to " + MAX_EXPONENT + " in size");
            }
            int e = exp.intValue();
            if (e < 0) {
                if (base.signum() == 0) {
                    throw divisionByZero("0 to a negative power");
                }
                return checkFloat(Math.pow(toDouble(a), e), true, "'**'");
            }
            if (base.abs().compareTo(BigInteger.ONE) > 0 && (long) (base.bitLength() - 1) * e > LIMIT_BITS) {
                throw new ToolException("overflow",
                    "the integer result has more than " + MAX_DIGITS + " digits, which is more than the calculator allows");
            }
            return normalize(base.pow(e));
        }
        double x = toDouble(a);
        double y = toDouble(b);
        if (x == 0.0 && y < 0) {
            throw divisionByZero("0.0 to a negative power");
        }
        if (x < 0 && Double.isFinite(x) && Double.isFinite(y) && y != Math.rint(y)) {
            throw new ToolException("domain_error",
                "a negative number to a fractional power is not a real number");
        }
        return checkFloat(Math.pow(x, y), finite(x, y), "'**'");
    }

    private static boolean isZero(Object number) {
        if (number instanceof Double d) {
            return d == 0.0;
        }
        if (number instanceof Long l) {
            return l == 0;
        }
        if (number instanceof Boolean b) {
            return !b;
        }
        return ((BigInteger) number).signum() == 0;
    }

    private static ToolException divisionByZero(String what) {
        return new ToolException("division_by_zero", what + " by zero is undefined");
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Compares two numbers exactly (an integer and a float are compared by value, not after rounding), or two
     * lists lexicographically, as Python does.
     */
    static int compare(Object a, Object b, String what) throws ToolException {
        if (a instanceof List<?> x && b instanceof List<?> y) {
            int n = Math.min(x.size(), y.size());
            for (int k = 0; k < n; k++) {
                int c = compare(x.get(k), y.get(k), what);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof List || b instanceof List) {
            throw new ToolException("type_error", what + " cannot compare " + typeName(a) + " with " + typeName(b));
        }
        Object x = number(a, what);
        Object y = number(b, what);
        if (x instanceof Long l && y instanceof Long m) {
            return Long.compare(l, m);
        }
        if (isInteger(x) && isInteger(y)) {
            return big(x).compareTo(big(y));
        }
        if (x instanceof Double d && y instanceof Double e) {
            return d < e ? -1 : d > e ? 1 : 0;
        }
        if (x instanceof Double d) {
            return compareFloatInt(d, y);
        }
        return -compareFloatInt((Double) y, x);
    }

    private static int compareFloatInt(double d, Object integer) {
        if (Double.isInfinite(d)) {
            return d > 0 ? 1 : -1;
        }
        return new BigDecimal(d).compareTo(new BigDecimal(big(integer)));
    }

    /** Equality as Python's {@code ==}: numbers by value, lists element by element, a list never equals a number. */
    static boolean equal(Object a, Object b) throws ToolException {
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int k = 0; k < x.size(); k++) {
                if (!equal(x.get(k), y.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List || b instanceof List) {
            return false;
        }
        return compare(a, b, "'=='") == 0;
    }

    static boolean compare(Node.CmpOp op, Object a, Object b) throws ToolException {
        String what = "'" + op.symbol + "'";
        return switch (op) {
            case EQ -> equal(a, b);
            case NE -> !equal(a, b);
            case LT -> compare(a, b, what) < 0;
            case LE -> compare(a, b, what) <= 0;
            case GT -> compare(a, b, what) > 0;
            case GE -> compare(a, b, what) >= 0;
        };
    }
}
