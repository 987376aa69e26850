package io.cuga.tool.calculator.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import io.cuga.api.tool.ToolException;

/** The built-in functions and constants, with Python's {@code math} semantics. */
final class Functions {

    /** A function's implementation; arguments are already evaluated. */
    @FunctionalInterface
    interface Impl {
        Object apply(List<Object> args) throws ToolException;
    }

    /**
     * @param name the name
     * @param minArgs the fewest arguments
     * @param maxArgs the most arguments, {@link Integer#MAX_VALUE} for any number
     * @param usage how to call it, for error messages
     */
    record Function(String name, int minArgs, int maxArgs, String usage, Impl impl) {
    }

    /** The constants by name. */
    static final Map<String, Double> CONSTANTS;

    /** The functions by name, in the order the README lists them. */
    static final Map<String, Function> FUNCTIONS;

    private static final double LN2 = Math.log(2);

    /** The largest rounding precision that can change a double. */
    private static final int MAX_ROUND_DIGITS = 1100;

    static {
        Map<String, Double> constants = new LinkedHashMap<>();
        constants.put("pi", Math.PI);
        constants.put("e", Math.E);
        constants.put("tau", 2 * Math.PI);
        constants.put("inf", Double.POSITIVE_INFINITY);
        CONSTANTS = Collections.unmodifiableMap(constants);

        Map<String, Function> f = new LinkedHashMap<>();
        add(f, "abs", 1, 1, "abs(x)", a -> Numbers.abs(a.get(0)));
        add(f, "round", 1, 2, "round(x) or round(x, digits)", Functions::round);
        add(f, "min", 1, Integer.MAX_VALUE, "min(list) or min(a, b, ...)", a -> extreme("min", a, -1));
        add(f, "max", 1, Integer.MAX_VALUE, "max(list) or max(a, b, ...)", a -> extreme("max", a, 1));
        add(f, "sum", 1, Integer.MAX_VALUE, "sum(list) or sum(a, b, ...)", Functions::sum);
        add(f, "pow", 2, 2, "pow(x, y)", a -> Numbers.apply(Node.BinOp.POW, a.get(0), a.get(1)));
        unary(f, "sin", Math::sin);
        unary(f, "cos", Math::cos);
        unary(f, "tan", Math::tan);
        add(f, "asin", 1, 1, "asin(x)", a -> unit("asin", a.get(0), Math::asin));
        add(f, "acos", 1, 1, "acos(x)", a -> unit("acos", a.get(0), Math::acos));
        unary(f, "atan", Math::atan);
        unary(f, "sinh", Math::sinh);
        unary(f, "cosh", Math::cosh);
        unary(f, "tanh", Math::tanh);
        add(f, "log", 1, 2, "log(x) or log(x, base)", Functions::log);
        add(f, "log10", 1, 1, "log10(x)", a -> logarithm("log10", "x", a.get(0), Base.TEN));
        add(f, "log2", 1, 1, "log2(x)", a -> logarithm("log2", "x", a.get(0), Base.TWO));
        unary(f, "exp", Math::exp);
        add(f, "sqrt", 1, 1, "sqrt(x)", Functions::sqrt);
        add(f, "ceil", 1, 1, "ceil(x)", a -> toInteger("ceil", a.get(0), RoundingMode.CEILING));
        add(f, "floor", 1, 1, "floor(x)", a -> toInteger("floor", a.get(0), RoundingMode.FLOOR));
        FUNCTIONS = Collections.unmodifiableMap(f);
    }

    private Functions() {
    }

    private static void add(Map<String, Function> table, String name, int min, int max, String usage, Impl impl) {
        table.put(name, new Function(name, min, max, usage, impl));
    }

    /** A one-argument float function: NaN means a domain error, infinity from a finite argument an overflow. */
    private static void unary(Map<String, Function> table, String name, DoubleUnaryOperator op) {
        add(table, name, 1, 1, name + "(x)", a -> {
            double x = Numbers.toDouble(Numbers.number(a.get(0), name + "()"));
            double r = op.applyAsDouble(x);
            if (Double.isNaN(r)) {
                throw new ToolException("domain_error", name + "(" + format(x) + ") is not defined");
            }
            return Numbers.checkFloat(r, Double.isFinite(x), name + "()");
        });
    }

    private static Object unit(String name, Object arg, DoubleUnaryOperator op) throws ToolException {
        double x = Numbers.toDouble(Numbers.number(arg, name + "()"));
        if (!(x >= -1 && x <= 1)) {
            throw new ToolException("domain_error", name + "(x) needs x between -1 and 1, got " + format(x));
        }
        return op.applyAsDouble(x);
    }

    private static Object sqrt(List<Object> args) throws ToolException {
        double x = Numbers.toDouble(Numbers.number(args.get(0), "sqrt()"));
        if (x < 0) {
            throw new ToolException("domain_error",
                "sqrt(x) needs x >= 0, got " + format(x) + " (the square root of a negative number is not real)");
        }
        return Math.sqrt(x);
    }

    /** Which logarithm. */
    private enum Base { E, TEN, TWO }

    /**
     * A logarithm, also of integers too large for a double: like Python's {@code math.log}, such an integer
     * is split into a mantissa in [0.5, 1) and a power of two.
     */
    private static double logarithm(String name, String label, Object arg, Base base) throws ToolException {
        Object x = Numbers.number(arg, name + "()");
        if (Numbers.compare(x, 0L, name + "()") <= 0) {
            throw new ToolException("domain_error", name + "(" + (label.equals("x") ? "x" : "x, " + label)
                + ") needs " + label + " > 0, got "
                + (x instanceof Double d ? format(d) : Lexer.abbreviate(Numbers.big(x).toString())));
        }
        if (x instanceof BigInteger b && b.bitLength() > 1000) {
            int e = b.bitLength();
            double m = b.shiftRight(e - 54).doubleValue() / (double) (1L << 54);
            return switch (base) {
                case E -> Math.log(m) + e * LN2;
                case TEN -> Math.log10(m) + e * Math.log10(2);
                case TWO -> log2(m) + e;
            };
        }
        double d = Numbers.toDouble(x);
        return switch (base) {
            case E -> Math.log(d);
            case TEN -> Math.log10(d);
            case TWO -> log2(d);
        };
    }

    /** log2, exact for powers of two. */
    private static double log2(double x) {
        if (Double.isInfinite(x)) {
            return x;
        }
        int shift = 0;
        if (x < Double.MIN_NORMAL) {
            x *= 0x1p54;
            shift = 54;
        }
        int e = Math.getExponent(x);
        double m = x / Math.scalb(1.0, e);
        return e - shift + Math.log(m) / LN2;
    }

    private static double ln(String name, Object arg) throws ToolException {
        return logarithm(name, "x", arg, Base.E);
    }

    private static Object log(List<Object> args) throws ToolException {
        double x = ln("log", args.get(0));
        if (args.size() == 1) {
            return x;
        }
        double base = logarithm("log", "base", args.get(1), Base.E);
        if (base == 0.0) {
            throw new ToolException("division_by_zero", "log(x, base) with base 1 divides by zero");
        }
        return Numbers.checkFloat(x / base, true, "log()");
    }

    private static Object toInteger(String name, Object arg, RoundingMode mode) throws ToolException {
        Object x = Numbers.number(arg, name + "()");
        if (Numbers.isInteger(x)) {
            return x instanceof Boolean ? Numbers.big(x).longValue() : x;
        }
        double d = (Double) x;
        if (Double.isInfinite(d)) {
            throw new ToolException("overflow", name + "() cannot convert an infinite float to an integer");
        }
        return Numbers.normalize(new BigDecimal(d).setScale(0, mode).toBigIntegerExact());
    }

    /** Python's {@code round}: half to even, on the exact value of the float. */
    private static Object round(List<Object> args) throws ToolException {
        Object x = Numbers.number(args.get(0), "round()");
        if (args.size() == 1) {
            return toInteger("round", x, RoundingMode.HALF_EVEN);
        }
        Object digitsArg = args.get(1);
        if (!Numbers.isInteger(digitsArg)) {
            throw new ToolException("type_error", "round(x, digits) needs an integer number of digits, not "
                + Numbers.typeName(digitsArg));
        }
        BigInteger digitsBig = Numbers.big(digitsArg);
        int digits = digitsBig.max(BigInteger.valueOf(-MAX_ROUND_DIGITS))
            .min(BigInteger.valueOf(MAX_ROUND_DIGITS)).intValue();
        if (Numbers.isInteger(x)) {
            if (digits >= 0) {
                return x instanceof Boolean ? Numbers.big(x).longValue() : x;
            }
            if (digits <= -MAX_ROUND_DIGITS) {
                return 0L;
            }
            return Numbers.normalize(new BigDecimal(Numbers.big(x)).setScale(digits, RoundingMode.HALF_EVEN)
                .toBigInteger());
        }
        double d = (Double) x;
        if (!Double.isFinite(d) || digits >= MAX_ROUND_DIGITS) {
            return d;
        }
        if (digits <= -MAX_ROUND_DIGITS) {
            return Math.copySign(0.0, d);
        }
        double r = new BigDecimal(d).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
        return Numbers.checkFloat(r == 0.0 ? Math.copySign(0.0, d) : r, true, "round()");
    }

    /** The values min, max and sum range over: the one list argument, or all the arguments. */
    private static List<Object> operands(String name, List<Object> args) throws ToolException {
        if (args.size() == 1) {
            if (args.get(0) instanceof List<?> list) {
                @SuppressWarnings("unchecked")
                List<Object> items = (List<Object>) list;
                return items;
            }
            if (!name.equals("sum")) {
                throw new ToolException("type_error",
                    name + "() needs a list or at least two arguments, e.g. " + name + "([1, 2, 3])");
            }
        }
        return args;
    }

    private static Object extreme(String name, List<Object> args, int sign) throws ToolException {
        List<Object> items = operands(name, args);
        if (items.isEmpty()) {
            throw new ToolException("argument_error", name + "() of an empty list is undefined");
        }
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
            if (Numbers.compare(item, best, name + "()") * sign > 0) {
                best = item;
            }
        }
        return best;
    }

    private static Object sum(List<Object> args) throws ToolException {
        Object total = 0L;
        for (Object item : operands("sum", args)) {
            if (item instanceof List) {
                throw new ToolException("type_error", "sum() adds numbers, not lists");
            }
            total = Numbers.apply(Node.BinOp.ADD, total, item);
        }
        return total;
    }

    static String format(double d) {
        if (d == Double.POSITIVE_INFINITY) {
            return "inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-inf";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return Long.toString((long) d) + ".0";
        }
        return Double.toString(d);
    }
}
