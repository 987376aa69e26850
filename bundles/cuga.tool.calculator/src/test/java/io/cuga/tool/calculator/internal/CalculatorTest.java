package io.cuga.tool.calculator.internal;

import static io.cuga.tool.calculator.internal.Eval.integer;
import static io.cuga.tool.calculator.internal.Eval.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Operators, precedence, functions and constants, beyond the CPython comparison in
 * {@link PythonExpectationsTest}: the value types a caller receives, and the cases Python does differently.
 */
class CalculatorTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
        2*(3+4)            | 14
        1 + 2 * 3 ** 2     | 19
        -2 ** 2            | -4
        -2 ** 2 ** 3       | -256
        2 ** 3 ** 2        | 512
        (2 ** 3) ** 2      | 64
        2 ** -1 + 1.5      | 2.0
        10 - 2 - 3         | 5
        2 * 3 // 4         | 1
        7 % 4 * 3          | 9
        -7 // 2            | -4
        -7 % 2             | 1
        7 % -2             | -1
        - - - 3            | -3
        +-+-3              | 3
        1 + 2 < 4          | true
        1 < 2 < 3 < 4      | true
        1 < 3 < 2          | false
        2 == 2.0 == 2      | true
        1 != 1             | false
        0.1 + 0.2 == 0.3   | false
        (2 > 1) * 10       | 10
        -(1 < 2)           | -1
        ((((1))))          | 1
        2*(3+4)*(5-(6/3))  | 42.0
        """)
    void operatorsAndPrecedence(String expression, String expected) {
        Object value = value(expression);
        if (expected.equals("true") || expected.equals("false")) {
            assertThat(value).isEqualTo(Boolean.parseBoolean(expected));
        } else if (expected.contains(".")) {
            assertThat(value).isEqualTo(Double.parseDouble(expected));
        } else {
            assertThat(value).isEqualTo(integer(expected));
        }
    }

    @Test
    void integersStayExactAndAreLongsWhileTheyFit() {
        assertThat(value("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(value("9223372036854775807 + 1")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(value("(9223372036854775807 + 1) - 1")).isEqualTo(Long.MAX_VALUE);
        assertThat(value("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(value("-9223372036854775808 // -1")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(value("-9223372036854775808 * -1")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(value("-9223372036854775808 % -1")).isEqualTo(0L);
        assertThat(value("2 ** 200 // 2 ** 199")).isEqualTo(2L);
        assertThat(value("3 ** 100")).isEqualTo(BigInteger.valueOf(3).pow(100));
        assertThat(value("10 ** 999")).isEqualTo(BigInteger.TEN.pow(999));
        assertThat(value("-(10 ** 999) - (10 ** 999 - 1) + 10 ** 999")).isEqualTo(BigInteger.TEN.pow(999).negate().add(BigInteger.ONE));
        assertThat(value("12345678901234567890 * 98765432109876543210"))
            .isEqualTo(new BigInteger("1219326311370217952237463801111263526900"));
        assertThat(value("10 ** 30 / 10 ** 28")).isEqualTo(100.0);
        assertThat(value("(2 ** 53 + 1) / 1")).isEqualTo(9007199254740992.0);
        assertThat(value("1 / 3")).isInstanceOf(Double.class);
    }

    @Test
    void numberLiterals() {
        assertThat(value("0")).isEqualTo(0L);
        assertThat(value("000")).isEqualTo(0L);
        assertThat(value("1_000")).isEqualTo(1000L);
        assertThat(value("0xff")).isEqualTo(255L);
        assertThat(value("0XFF")).isEqualTo(255L);
        assertThat(value("0x_ff")).isEqualTo(255L);
        assertThat(value("0o777")).isEqualTo(511L);
        assertThat(value("0b1010")).isEqualTo(10L);
        assertThat(value("0xffffffffffffffffff")).isEqualTo(new BigInteger("ffffffffffffffffff", 16));
        assertThat(value("1.5")).isEqualTo(1.5);
        assertThat(value("1.")).isEqualTo(1.0);
        assertThat(value(".25")).isEqualTo(0.25);
        assertThat(value("1e3")).isEqualTo(1000.0);
        assertThat(value("1E3")).isEqualTo(1000.0);
        assertThat(value("1.5e-3")).isEqualTo(0.0015);
        assertThat(value("1.e2")).isEqualTo(100.0);
        assertThat(value("2.5E+2")).isEqualTo(250.0);
        assertThat(value("1_0.0_1")).isEqualTo(10.01);
        assertThat(value(" \t2\n+\r\n3 ")).isEqualTo(5L);
    }

    @Test
    void constants() {
        assertThat(value("pi")).isEqualTo(Math.PI);
        assertThat(value("e")).isEqualTo(Math.E);
        assertThat(value("tau")).isEqualTo(2 * Math.PI);
        assertThat(value("inf > 10 ** 999")).isEqualTo(true);
        assertThat(value("-inf < -(10 ** 999)")).isEqualTo(true);
        assertThat(value("1 / inf")).isEqualTo(0.0);
        assertThat(value("min(inf, 3)")).isEqualTo(3L);
        assertThat(value("atan(inf) == pi / 2")).isEqualTo(true);
    }

    @Test
    void functions() {
        assertThat(value("abs(-3)")).isEqualTo(3L);
        assertThat(value("abs(-3.5)")).isEqualTo(3.5);
        assertThat(value("abs(-(2 ** 70))")).isEqualTo(BigInteger.TWO.pow(70));
        assertThat(value("round(2.5)")).isEqualTo(2L);
        assertThat(value("round(3.5)")).isEqualTo(4L);
        assertThat(value("round(-3.5)")).isEqualTo(-4L);
        assertThat(value("round(3.14159, 2)")).isEqualTo(3.14);
        assertThat(value("round(1e300, -299)")).isEqualTo(1e300);
        assertThat(value("round(1.5, 100000)")).isEqualTo(1.5);
        assertThat(value("round(1.5, -100000)")).isEqualTo(0.0);
        assertThat(value("round(12345, -100000)")).isEqualTo(0L);
        assertThat(value("round(12345, 3)")).isEqualTo(12345L);
        assertThat(value("round(2 ** 80 + 5, -1)")).isEqualTo(new BigInteger("1208925819614629174706180"));
        assertThat(value("min(3, 1, 2)")).isEqualTo(1L);
        assertThat(value("min([3, 1, 2])")).isEqualTo(1L);
        assertThat(value("max(3, 1.5, 2)")).isEqualTo(3L);
        assertThat(value("max([0.5, -1])")).isEqualTo(0.5);
        assertThat(value("max([1])")).isEqualTo(1L);
        assertThat(value("max(1, 1.0)")).as("the first of equal values, as Python").isEqualTo(1L);
        assertThat(value("sum([1, 2, 3])")).isEqualTo(6L);
        assertThat(value("sum(1, 2, 3)")).isEqualTo(6L);
        assertThat(value("sum(4)")).isEqualTo(4L);
        assertThat(value("sum([])")).isEqualTo(0L);
        assertThat(value("sum([1, 0.5])")).isEqualTo(1.5);
        assertThat(value("sum([2 ** 63, 2 ** 63])")).isEqualTo(BigInteger.TWO.pow(64));
        assertThat(value("pow(2, 10)")).isEqualTo(1024L);
        assertThat(value("pow(2, -2)")).isEqualTo(0.25);
        assertThat(value("pow(9, 0.5)")).isEqualTo(3.0);
        assertThat((Double) value("sin(pi / 2)")).isCloseTo(1.0, within(1e-15));
        assertThat((Double) value("cos(pi)")).isCloseTo(-1.0, within(1e-15));
        assertThat((Double) value("tan(pi / 4)")).isCloseTo(1.0, within(1e-15));
        assertThat((Double) value("asin(0.5)")).isCloseTo(Math.PI / 6, within(1e-15));
        assertThat((Double) value("acos(0)")).isCloseTo(Math.PI / 2, within(1e-15));
        assertThat((Double) value("atan(1)")).isCloseTo(Math.PI / 4, within(1e-15));
        assertThat((Double) value("sinh(0)")).isEqualTo(0.0);
        assertThat((Double) value("cosh(0)")).isEqualTo(1.0);
        assertThat((Double) value("tanh(100)")).isEqualTo(1.0);
        assertThat(value("log(e)")).isEqualTo(1.0);
        assertThat((Double) value("log(8, 2)")).isCloseTo(3.0, within(1e-15));
        assertThat(value("log10(1000)")).isEqualTo(3.0);
        assertThat(value("log2(1024)")).isEqualTo(10.0);
        assertThat(value("log2(2 ** -1074 * 1.0)")).isEqualTo(-1074.0);
        assertThat((Double) value("log10(10 ** 500)")).isCloseTo(500.0, within(1e-12));
        assertThat((Double) value("log(10 ** 999, 10)")).isCloseTo(999.0, within(1e-11));
        assertThat(value("exp(0)")).isEqualTo(1.0);
        assertThat(value("sqrt(16)")).isEqualTo(4.0);
        assertThat(value("sqrt(2) ** 2")).isEqualTo(2.0000000000000004);
        assertThat(value("ceil(1.2)")).isEqualTo(2L);
        assertThat(value("ceil(-1.2)")).isEqualTo(-1L);
        assertThat(value("floor(-1.2)")).isEqualTo(-2L);
        assertThat(value("floor(7)")).isEqualTo(7L);
        assertThat(value("floor(1e300)")).isInstanceOf(BigInteger.class);
        assertThat(value("ceil(1 < 2)")).isEqualTo(1L);
    }

    @Test
    void functionsNestAndTakeExpressions() {
        assertThat(value("max(min(3, 4), abs(-7) - 5, sum([1, 1]))")).isEqualTo(3L);
        assertThat(value("round(sqrt(sum([9, 16])), 3)")).isEqualTo(5.0);
        assertThat(value("sum([1, 2, 3,])")).as("a trailing comma is fine").isEqualTo(6L);
        assertThat(value("max(1, 2,)")).isEqualTo(2L);
    }

    @Test
    void listsAndBooleansAreResults() {
        assertThat(value("[1, 2.5, 1 < 2, [3]]")).isEqualTo(List.of(1L, 2.5, true, List.of(3L)));
        assertThat(value("[]")).isEqualTo(List.of());
        assertThat(value("[1, 2] == [1, 2.0]")).isEqualTo(true);
        assertThat(value("[1, 2] == 1")).isEqualTo(false);
        assertThat(value("[1, 2] != 1")).isEqualTo(true);
        assertThat(value("[1, 2] < [1, 2, 0]")).isEqualTo(true);
        assertThat(value("[2] > [1, 9]")).isEqualTo(true);
        assertThat(value("max([1, 2], [1, 3])")).isEqualTo(List.of(1L, 3L));
    }

    @Test
    void comparisonsAreExactBetweenIntegersAndFloats() {
        assertThat(value("2 ** 53 + 1 == 2.0 ** 53")).as("Python compares exactly, not after rounding").isEqualTo(false);
        assertThat(value("2 ** 53 + 1 > 2.0 ** 53")).isEqualTo(true);
        assertThat(value("10 ** 400 < 1e308")).isEqualTo(false);
        assertThat(value("0.0 == -0.0")).isEqualTo(true);
        assertThat(value("1 < 0 < 1 / 0")).as("a chain stops at the first false link, as in Python").isEqualTo(false);
    }

    @Test
    void floatsFollowPythonsFloorAndModuloRules() {
        assertThat(value("7.5 // 2")).isEqualTo(3.0);
        assertThat(value("-7.5 // 2")).isEqualTo(-4.0);
        assertThat(value("-7.5 % 2")).isEqualTo(0.5);
        assertThat(value("7.5 % -2")).isEqualTo(-0.5);
        assertThat(value("-0.0 % 5")).isEqualTo(0.0);
        assertThat(value("5 % inf")).isEqualTo(5.0);
        assertThat(value("-1e-300 // 1e300")).isEqualTo(-1.0);
    }
}
