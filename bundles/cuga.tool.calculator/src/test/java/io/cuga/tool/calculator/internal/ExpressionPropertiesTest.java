package io.cuga.tool.calculator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

import io.cuga.api.tool.ToolException;
import io.cuga.tool.calculator.internal.Node.BinOp;
import io.cuga.tool.calculator.internal.Node.CmpOp;

/** Properties of the parser and evaluator over random trees and random text. */
class ExpressionPropertiesTest {

    /** Every code the calculator may report. */
    static final Set<String> CODES = Set.of("syntax_error", "unknown_name", "type_error", "argument_error",
        "division_by_zero", "domain_error", "overflow", "exponent_too_large", "not_finite", "too_long",
        "too_deep", "too_large", "invalid_arguments");

    private static final BigInteger DIGIT_LIMIT = BigInteger.TEN.pow(Numbers.MAX_DIGITS);

    // ------------------------------------------------------------------ properties

    @Property(tries = 2000)
    void wellFormedExpressionsGiveAJsonValueOrAToolException(@ForAll("expressions") Node tree) {
        String source = Printer.print(tree);
        Assume.that(source.length() <= Calculator.MAX_LENGTH);
        Outcome outcome = Outcome.of(source);
        Statistics.label("outcome").collect(outcome.code == null ? "value" : outcome.code);
        if (outcome.code != null) {
            assertThat(CODES).as("code for %s", source).contains(outcome.code);
        } else {
            assertJsonValue(outcome.value, source);
        }
    }

    @Property(tries = 2000)
    void aPrintedTreeParsesBackToTheSameTreeAndValue(@ForAll("expressions") Node tree) throws ToolException {
        String source = Printer.print(tree);
        Assume.that(source.length() <= Calculator.MAX_LENGTH);
        Outcome direct = Outcome.of(tree);
        Outcome parsed = Outcome.of(source);
        assertThat(parsed).as("value of %s", source).isEqualTo(direct);
        assertThat(Printer.print(Parser.parse(source))).isEqualTo(source);
    }

    /** Edge cases would put the literal 0 everywhere; the generator mixes in the extreme values itself. */
    @Property(tries = 2000, edgeCases = EdgeCasesMode.NONE)
    void integerArithmeticAgreesWithBigInteger(@ForAll("integerTrees") Node tree) {
        String source = Printer.print(tree);
        Assume.that(source.length() <= Calculator.MAX_LENGTH);
        Outcome expected;
        try {
            expected = Outcome.value(normalize(reference(tree)));
        } catch (ReferenceError e) {
            expected = Outcome.error(e.code);
        }
        Statistics.label("outcome").collect(expected.code == null
            ? expected.value instanceof Long ? "long" : "BigInteger" : expected.code);
        assertThat(Outcome.of(source)).as("value of %s", source).isEqualTo(expected);
    }

    @Property(tries = 1000)
    void garbageGivesOnlyToolExceptionsAndNeverHangs(@ForAll("garbage") String text) {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Outcome outcome = Outcome.of(text);
            if (outcome.code != null) {
                assertThat(CODES).contains(outcome.code);
            } else {
                assertJsonValue(outcome.value, text);
            }
        });
    }

    @Property(tries = 1000)
    void mutatedExpressionsGiveOnlyToolExceptions(@ForAll("expressions") Node tree,
        @ForAll @IntRange(min = 0, max = 1000) int where, @ForAll("pieces") String piece, @ForAll boolean delete) {
        String source = Printer.print(tree);
        int at = where % (source.length() + 1);
        String mutated = delete && at < source.length()
            ? source.substring(0, at) + source.substring(at + 1)
            : source.substring(0, at) + piece + source.substring(at);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Outcome outcome = Outcome.of(mutated);
            if (outcome.code != null) {
                assertThat(CODES).contains(outcome.code);
            }
        });
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Node> expressions() {
        return tree(4);
    }

    private Arbitrary<Node> tree(int depth) {
        if (depth == 0) {
            return leaves();
        }
        Arbitrary<Node> sub = tree(depth - 1);
        Arbitrary<Node> binary = Combinators.combine(Arbitraries.of(BinOp.class), sub, sub)
            .as((op, l, r) -> new Node.Binary(op, l, r, 0));
        Arbitrary<Node> unary = Combinators.combine(Arbitraries.of('-', '+'), sub)
            .as((op, operand) -> new Node.Unary(op, operand, 0));
        Arbitrary<Node> compare = Arbitraries.integers().between(1, 3).flatMap(n -> Combinators.combine(
                sub.list().ofSize(n + 1), Arbitraries.of(CmpOp.class).list().ofSize(n))
            .as((operands, ops) -> new Node.Compare(operands, ops, 0)));
        Arbitrary<Node> call = Arbitraries.of(List.copyOf(Functions.FUNCTIONS.values())).flatMap(f -> sub.list()
            .ofMinSize(f.minArgs()).ofMaxSize(Math.min(f.maxArgs(), f.minArgs() + 3))
            .map(args -> new Node.Call(f.name(), args, 0)));
        Arbitrary<Node> list = sub.list().ofMaxSize(4).map(items -> new Node.ListLit(items, 0));
        return Arbitraries.frequencyOf(
            Tuple.of(3, leaves()), Tuple.of(6, binary), Tuple.of(2, unary), Tuple.of(1, compare),
            Tuple.of(3, call), Tuple.of(1, list));
    }

    private Arbitrary<Node> leaves() {
        Arbitrary<Object> numbers = Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.longs().between(0, 20).map(Object.class::cast)),
            Tuple.of(2, Arbitraries.longs().greaterOrEqual(0).map(Object.class::cast)),
            Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.TEN.pow(40))
                .map(b -> b.bitLength() < 64 ? (Object) b.longValue() : b)),
            Tuple.of(3, Arbitraries.doubles().between(0, 100).map(Object.class::cast)),
            Tuple.of(1, Arbitraries.of(0.0, 0.5, 1e-300, 1e300, Double.MIN_VALUE, Double.MAX_VALUE, 4.9e-324)
                .map(Object.class::cast)));
        return Arbitraries.frequencyOf(
            Tuple.of(6, numbers.map(v -> new Node.Num(v, 0))),
            Tuple.of(1, Arbitraries.of(List.copyOf(Functions.CONSTANTS.keySet())).map(n -> new Node.Const(n, 0))));
    }

    @Provide
    Arbitrary<Node> integerTrees() {
        return integerTree(5);
    }

    private Arbitrary<Node> integerTree(int depth) {
        Arbitrary<Node> literal = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(1, 50).withoutEdgeCases().map(Object.class::cast)),
                Tuple.of(1, Arbitraries.just((Object) 0L)),
                Tuple.of(2, Arbitraries.longs().greaterOrEqual(1).map(Object.class::cast)),
                Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 62, 3037000499L, 3037000500L,
                    4294967296L).map(Object.class::cast)),
                Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.TEN.pow(60))
                    .map(b -> b.bitLength() < 64 ? (Object) b.longValue() : b)))
            .map(v -> new Node.Num(v, 0));
        if (depth == 0) {
            return literal;
        }
        Arbitrary<Node> sub = integerTree(depth - 1);
        Arbitrary<Node> arithmetic = Combinators.combine(
                Arbitraries.frequency(Tuple.of(3, BinOp.ADD), Tuple.of(3, BinOp.SUB), Tuple.of(3, BinOp.MUL),
                    Tuple.of(1, BinOp.FLOORDIV), Tuple.of(1, BinOp.MOD)), sub, sub)
            .as((op, l, r) -> new Node.Binary(op, l, r, 0));
        Arbitrary<Node> power = Combinators.combine(sub, Arbitraries.longs().between(0, 12))
            .as((base, exp) -> new Node.Binary(BinOp.POW, base, new Node.Num(exp, 0), 0));
        Arbitrary<Node> negate = sub.map(operand -> new Node.Unary('-', operand, 0));
        return Arbitraries.frequencyOf(Tuple.of(2, literal), Tuple.of(6, arithmetic), Tuple.of(1, power),
            Tuple.of(2, negate));
    }

    @Provide
    Arbitrary<String> garbage() {
        Arbitrary<String> tokens = Arbitraries.of("1", "0", "2.5", ".5", "1e", "1e3", "0x1f", "0b", "_", "9".repeat(30),
                "+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "=", "!", "^", "(", ")", "[",
                "]", ",", " ", "sqrt", "log", "round", "max", "sum", "pi", "inf", "e", "x", "foo", "(((((", ")))))")
            .list().ofMaxSize(60).map(parts -> String.join("", parts));
        return Arbitraries.oneOf(
            tokens,
            Arbitraries.strings().withChars("0123456789+-*/%()[],.<>=!eExob_ \tpisnf").ofMaxLength(80),
            Arbitraries.strings().all().ofMaxLength(1100),
            Arbitraries.strings().withChars("([-").ofMinLength(40).ofMaxLength(1000));
    }

    @Provide
    Arbitrary<String> pieces() {
        return Arbitraries.of("(", ")", "[", "]", ",", "*", "**", "-", ".", "e", "_", "0", "x", "'", "\u0000", "\uD800");
    }

    // ------------------------------------------------------------------ the reference for integer trees

    /** Python's integer semantics computed on BigInteger, with the calculator's digit limit. */
    private static BigInteger reference(Node node) {
        if (node instanceof Node.Num n) {
            return Numbers.big(n.value());
        }
        if (node instanceof Node.Unary u) {
            return checked(reference(u.operand()).negate());
        }
        Node.Binary b = (Node.Binary) node;
        BigInteger x = reference(b.left());
        BigInteger y = reference(b.right());
        return checked(switch (b.op()) {
            case ADD -> x.add(y);
            case SUB -> x.subtract(y);
            case MUL -> x.multiply(y);
            case FLOORDIV -> floorDiv(x, y);
            case MOD -> x.subtract(y.multiply(floorDiv(x, y)));
            case POW -> {
                if (x.abs().compareTo(BigInteger.ONE) > 0 && (long) x.abs().bitLength() * y.intValueExact() > 40_000) {
                    throw new ReferenceError("overflow");
                }
                yield x.pow(y.intValueExact());
            }
            default -> throw new IllegalArgumentException(b.op().toString());
        });
    }

    private static BigInteger floorDiv(BigInteger x, BigInteger y) {
        if (y.signum() == 0) {
            throw new ReferenceError("division_by_zero");
        }
        BigInteger q = x.divide(y);
        if (x.signum() * y.signum() < 0 && !q.multiply(y).equals(x)) {
            q = q.subtract(BigInteger.ONE);
        }
        return q;
    }

    private static BigInteger checked(BigInteger v) {
        if (v.abs().compareTo(DIGIT_LIMIT) >= 0) {
            throw new ReferenceError("overflow");
        }
        return v;
    }

    private static Object normalize(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static final class ReferenceError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;

        ReferenceError(String code) {
            super(code, null, false, false);
            this.code = code;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A value or an error code; equal when both are. */
    record Outcome(Object value, String code) {

        static Outcome of(String source) {
            try {
                return value(Calculator.evaluate(source));
            } catch (ToolException e) {
                return error(e.code());
            }
        }

        static Outcome of(Node tree) {
            try {
                return value(Calculator.evaluate(tree));
            } catch (ToolException e) {
                return error(e.code());
            }
        }

        static Outcome value(Object v) {
            return new Outcome(v, null);
        }

        static Outcome error(String code) {
            return new Outcome(null, code);
        }
    }

    private static void assertJsonValue(Object value, String source) {
        if (value instanceof List<?> list) {
            for (Object item : list) {
                assertJsonValue(item, source);
            }
            return;
        }
        assertThat(value).as("value of %s", source).isInstanceOfAny(Long.class, BigInteger.class, Double.class,
            Boolean.class);
        if (value instanceof Double d) {
            assertThat(Double.isFinite(d)).as("finite value of %s", source).isTrue();
        }
        if (value instanceof BigInteger b) {
            assertThat(b.bitLength()).as("a BigInteger never holds a long: %s", source).isGreaterThanOrEqualTo(64);
            assertThat(b.abs().toString().length()).isLessThanOrEqualTo(Numbers.MAX_DIGITS);
        }
    }

}
