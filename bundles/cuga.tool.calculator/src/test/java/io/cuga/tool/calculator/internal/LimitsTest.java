package io.cuga.tool.calculator.internal;

import static io.cuga.tool.calculator.internal.Eval.error;
import static io.cuga.tool.calculator.internal.Eval.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cuga.api.tool.ToolException;

/** Each limit: the largest allowed input works, one step past it gets a clear error. */
class LimitsTest {

    @Test
    void expressionLength() throws ToolException {
        String longest = "1" + "+1".repeat((Calculator.MAX_LENGTH - 1) / 2);
        assertThat(longest).hasSize(Calculator.MAX_LENGTH - 1);
        assertThat(value(longest + " ")).isEqualTo(500L);
        assertThat(Calculator.evaluate(" ".repeat(Calculator.MAX_LENGTH - 1) + "7")).isEqualTo(7L);
        assertThat(error(longest + "+1", "too_long").getMessage())
            .isEqualTo("the expression is 1001 characters long; the calculator accepts at most 1000");
    }

    @Test
    void nestingDepthOfParentheses() {
        int max = Parser.MAX_DEPTH;
        assertThat(value("(".repeat(max) + "1" + ")".repeat(max))).isEqualTo(1L);
        assertThat(error("(".repeat(max + 1) + "1" + ")".repeat(max + 1), "too_deep").getMessage())
            .isEqualTo("the expression nests parentheses, brackets and calls more than 50 levels deep (at position 51)");
        // an unclosed run of parentheses is refused as soon as it is too deep
        error("(".repeat(900), "too_deep");
    }

    @Test
    void nestingDepthOfListsAndCalls() {
        int max = Parser.MAX_DEPTH;
        assertThat(value("[".repeat(max) + "]".repeat(max))).isInstanceOf(List.class);
        error("[".repeat(max + 1) + "]".repeat(max + 1), "too_deep");
        assertThat(value("abs(".repeat(max) + "-1" + ")".repeat(max))).isEqualTo(1L);
        error("abs(".repeat(max + 1) + "-1" + ")".repeat(max + 1), "too_deep");
        error("max(1, (".repeat(26) + "1" + "))".repeat(26), "too_deep");
    }

    @Test
    void longChainsOfOperatorsDoNotExhaustTheStack() {
        assertThat(value("-".repeat(999) + "1")).isEqualTo(-1L);
        assertThat(value("-".repeat(998) + "1")).isEqualTo(1L);
        assertThat(value("1" + "**1".repeat(333))).isEqualTo(1L);
        assertThat(value("2" + "**-1".repeat(249))).isInstanceOf(Double.class);
        assertThat(value("1" + "<1".repeat(499))).isEqualTo(false);
        assertThat(value("1" + "*1".repeat(499))).isEqualTo(1L);
    }

    @Test
    void exponentSize() {
        assertThat(value("1 ** 10000")).isEqualTo(1L);
        assertThat(value("(-1) ** -10000")).isEqualTo(1.0);
        assertThat(value("2 ** 3321")).isEqualTo(BigInteger.TWO.pow(3321));
        assertThat(error("2 ** 10001", "exponent_too_large").getMessage())
            .isEqualTo("the exponent 10001 is too large; integer powers allow exponents up to 10000 in size "
                + "(at position 3)");
        error("1 ** -10001", "exponent_too_large");
        error("0 ** (10 ** 100)", "exponent_too_large");
        assertThat(error("2 ** (2 ** 200)", "exponent_too_large").getMessage())
            .contains("the exponent 1606938044258990275541962092341162602...");
        // float powers have no exponent limit: they underflow or overflow like floats
        assertThat(value("0.5 ** 100000")).isEqualTo(0.0);
        error("1.5 ** 100000", "overflow");
    }

    @Test
    void integerDigits() {
        assertThat(value("10 ** 999 * 9 + (10 ** 999 - 1)").toString()).hasSize(1000).matches("9+");
        assertThat(value("-(10 ** 999 * 9 + (10 ** 999 - 1))").toString()).hasSize(1001).startsWith("-9");
        assertThat(error("10 ** 1000", "overflow").getMessage())
            .isEqualTo("the integer result has more than 1000 digits, which is more than the calculator allows "
                + "(at position 4)");
        error("2 ** 3322", "overflow");
        error("-(2 ** 3321) * 2", "overflow");
        error("(2 ** 3000) ** 2", "overflow");
        error("-(10 ** 999) * 10", "overflow");
        error("-(10 ** 999) * 10 // 1", "overflow");
    }

    @Test
    void resultListSize() throws ToolException {
        // a 1000-character expression holds at most 500 numbers; a tree built in code can hold more
        List<Node> items = new ArrayList<>();
        for (int k = 0; k < Calculator.MAX_LIST_ITEMS; k++) {
            items.add(new Node.Num((long) k, 0));
        }
        assertThat((List<?>) Calculator.evaluate(new Node.ListLit(items, 1))).hasSize(Calculator.MAX_LIST_ITEMS);
        items.add(new Node.Num(1L, 0));
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ToolException.class,
            () -> Calculator.evaluate(new Node.ListLit(items, 1))).code()).isEqualTo("too_large");
        // nested lists count every number
        Node half = new Node.ListLit(items.subList(0, 600), 0);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(ToolException.class,
            () -> Calculator.evaluate(new Node.ListLit(List.of(half, half), 1))).getMessage())
            .isEqualTo("the result holds more than 1000 numbers");
    }

    @Test
    void roundingPrecisionIsClampedNotComputed() {
        assertThat(value("round(2.5, 10 ** 100)")).isEqualTo(2.5);
        assertThat(value("round(2.5, -(10 ** 100))")).isEqualTo(0.0);
        assertThat(value("round(-2.5, -(10 ** 100))")).isEqualTo(-0.0);
        assertThat(value("round(10 ** 999, -(10 ** 100))")).isEqualTo(0L);
    }
}
