package io.cuga.tool.calculator.internal;

import static io.cuga.tool.calculator.internal.Eval.error;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error has its code and a message that tells the user what to fix, and where. */
class ErrorsTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        1 +          | position 4: expected a number, a name, '(' or '[' but found the end of the expression
        (1 + 2       | position 7: expected ')' to close the '(' at position 1 but found the end of the expression
        1 + 2)       | position 6: expected an operator or the end of the expression but found ')'; it has no matching '('
        [1, 2        | position 6: expected ']' to close the '[' at position 1
        max(1, 2     | position 9: expected ')' to close the '(' at position 4
        2 3          | position 3: expected an operator or the end of the expression but found the number 3; put an operator such as * before it
        2 (3)        | position 3: expected an operator or the end of the expression but found '('; put an operator
        1 if 2       | position 3: expected an operator or the end of the expression but found the name 'if'
        2x           | position 1: malformed number '2x'
        1.2.3        | position 1: malformed number '1.2.3'
        1e           | position 1: malformed number '1e'
        1e+          | position 1: malformed number '1e+'
        0x           | position 1: malformed number '0x'
        0b102        | position 1: malformed number '0b102'
        1__000       | position 1: malformed number '1__000'
        1_           | position 1: malformed number '1_'
        012          | position 1: leading zeros are not allowed in the integer 012; write 0o12
        2 ^ 3        | position 3: '^' is not an operator here; write ** for a power
        x = 1        | position 3: '=' is not an operator; write == to compare
        1 & 2        | position 3: unexpected character '&'
        1 + @        | position 5: unexpected character '@'
        1 + * 2      | position 5: expected a number, a name, '(' or '[' but found '*'
        ()           | position 2: expected a number, a name, '(' or '[' but found ')'
        max(1,,2)    | position 7: expected a number, a name, '(' or '[' but found ','
        ",1"         | position 1: expected a number, a name, '(' or '[' but found ','
        1 <          | position 4: expected a number
        2 ** ** 3    | position 6: expected a number
        "1 +\u00a0€" | position 5: unexpected character '€'
        "'a'"        | position 1: unexpected character '''
        """)
    void syntaxErrorsSayWhereAndWhat(String expression, String message) {
        assertThat(error(expression.translateEscapes(), "syntax_error").getMessage())
            .startsWith("syntax error at ")
            .contains(message);
    }

    @Test
    void emptyExpressions() {
        assertThat(error("", "syntax_error").getMessage()).contains("empty");
        assertThat(error("   \n ", "syntax_error").getMessage()).contains("empty");
    }

    @Test
    void controlCharactersAreNamedByCodePoint() {
        assertThat(error("1 + \u0007", "syntax_error").getMessage()).contains("U+0007").contains("position 5");
        assertThat(error("1 + \u200b2", "syntax_error").getMessage()).contains("U+200B");
    }

    @Test
    void unknownNames() {
        assertThat(error("foo + 1", "unknown_name").getMessage())
            .contains("unknown name 'foo' at position 1")
            .contains("abs, round, min, max, sum, pow, sin")
            .contains("the constants pi, e, tau, inf");
        assertThat(error("1 + bar(2)", "unknown_name").getMessage()).contains("unknown function 'bar' at position 5");
        assertThat(error("PI", "unknown_name").getMessage()).contains("did you mean 'pi'?");
        assertThat(error("Sqrt(4)", "unknown_name").getMessage()).contains("did you mean 'sqrt'?");
        assertThat(error("True", "unknown_name").getMessage()).contains("'True'");
        assertThat(error("__import__(1)", "unknown_name").getMessage()).contains("'__import__'");
        // a misspelt name is reported before anything is computed
        error("1 / 0 + foo", "unknown_name");
    }

    @Test
    void typeErrors() {
        assertThat(error("sqrt + 1", "type_error").getMessage())
            .contains("'sqrt' at position 1 is a function; call it as sqrt(x)");
        assertThat(error("pi(2)", "type_error").getMessage()).contains("'pi' at position 1 is a constant");
        assertThat(error("[1, 2] + 1", "type_error").getMessage())
            .contains("'+' needs numbers, not a list (use sum, min or max for a list) (at position 8)");
        assertThat(error("-[1]", "type_error").getMessage()).contains("unary - needs numbers, not a list");
        assertThat(error("[1] < 2", "type_error").getMessage()).contains("cannot compare a list with an integer");
        assertThat(error("round(1.5, 0.5)", "type_error").getMessage()).contains("integer number of digits");
        assertThat(error("min(1)", "type_error").getMessage()).contains("min() needs a list or at least two");
        assertThat(error("sqrt([4])", "type_error").getMessage()).contains("sqrt() needs numbers, not a list");
        assertThat(error("sum([[1], [2]])", "type_error").getMessage()).contains("sum() adds numbers, not lists");
        assertThat(error("max([1, [2]])", "type_error").getMessage()).contains("cannot compare");
    }

    @Test
    void wrongNumberOfArguments() {
        assertThat(error("sqrt()", "argument_error").getMessage())
            .contains("sqrt() at position 1 takes exactly 1 argument but got 0; call it as sqrt(x)");
        assertThat(error("1 + sqrt(1, 2)", "argument_error").getMessage())
            .contains("sqrt() at position 5 takes exactly 1 argument but got 2");
        assertThat(error("round(1, 2, 3)", "argument_error").getMessage())
            .contains("takes 1 or 2 arguments but got 3; call it as round(x) or round(x, digits)");
        assertThat(error("pow(2)", "argument_error").getMessage()).contains("exactly 2 arguments");
        assertThat(error("max()", "argument_error").getMessage()).contains("at least 1 argument");
        assertThat(error("log(1, 2, 3)", "argument_error").getMessage()).contains("log(x) or log(x, base)");
        assertThat(error("min([])", "argument_error").getMessage()).contains("min() of an empty list");
        assertThat(error("max([])", "argument_error").getMessage()).contains("max() of an empty list");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        1 / 0          | 3
        1 // 0         | 3
        1 % 0          | 3
        1.5 / 0.0      | 5
        1.5 // 0.0     | 5
        5 % 0.0        | 3
        5 / (1 < 0)    | 3
        0 ** -1        | 3
        0.0 ** -1.5    | 5
        pow(0, -2)     | 1
        log(8, 1)      | 1
        2 * (1 + 3 / (2 - 2)) | 12
        """)
    void divisionByZero(String expression, int position) {
        assertThat(error(expression, "division_by_zero").getMessage())
            .contains("by zero")
            .endsWith("(at position " + position + ")");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        sqrt(-1)           | sqrt(x) needs x >= 0, got -1.0
        log(0)             | log(x) needs x > 0, got 0
        log(-2.5)          | log(x) needs x > 0, got -2.5
        log(8, 0)          | log(x, base) needs base > 0, got 0
        log(8, -2)         | log(x, base) needs base > 0
        log10(0.0)         | log10(x) needs x > 0
        log2(-(10 ** 30))  | log2(x) needs x > 0, got -1000000000000000000000000000000
        asin(2)            | asin(x) needs x between -1 and 1, got 2.0
        acos(-1.5)         | acos(x) needs x between -1 and 1
        (-8) ** (1 / 3)    | a negative number to a fractional power is not a real number
        pow(-8, 0.5)       | a negative number to a fractional power
        sin(inf)           | sin(inf) is not defined
        cos(-inf)          | cos(-inf) is not defined
        tan(inf)           | tan(inf) is not defined
        inf - inf          | the result of '-' is undefined
        inf * 0            | the result of '*' is undefined
        inf / inf          | the result of '/' is undefined
        inf % 2            | the result of '%' is undefined
        """)
    void domainErrors(String expression, String message) {
        assertThat(error(expression, "domain_error").getMessage()).contains(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        10 ** 1000              | more than 1000 digits
        9 ** 9999               | more than 1000 digits
        (10 ** 500) ** 2        | more than 1000 digits
        10 ** 999 * 10          | more than 1000 digits
        10 ** 999 + 9 * 10 ** 999 | more than 1000 digits
        -(10 ** 999) - 9 * 10 ** 999 | more than 1000 digits
        1e308 * 10              | the result of '*' is too large for a float
        1e308 + 1e308           | the result of '+' is too large for a float
        2.0 ** 2000             | the result of '**' is too large for a float
        1e300 / 1e-300          | the result of '/' is too large for a float
        10 ** 400 / 1.5         | the integer is too large to convert to a float
        10 ** 999 / 3           | the result of '/' is too large for a float
        exp(1000)               | the result of exp() is too large for a float
        sinh(1000)              | too large for a float
        cosh(-1000)             | too large for a float
        sqrt(10 ** 400)         | the integer is too large to convert to a float
        ceil(inf)               | ceil() cannot convert an infinite float to an integer
        floor(-inf)             | floor() cannot convert an infinite float
        round(inf)              | round() cannot convert an infinite float
        """)
    void overflow(String expression, String message) {
        assertThat(error(expression, "overflow").getMessage()).contains(message);
    }

    @Test
    void infiniteResultsAreRefusedBecauseJsonHasNoInfinity() {
        assertThat(error("inf", "not_finite").getMessage()).contains("the result is infinite");
        assertThat(error("-inf", "not_finite").getMessage()).contains("-infinite");
        assertThat(error("1e999", "not_finite").getMessage()).contains("infinite");
        assertThat(error("[1, inf]", "not_finite").getMessage()).contains("infinite");
        error("log(inf)", "not_finite");
        error("inf + 1", "not_finite");
    }

    @Test
    void theFirstErrorInEvaluationOrderWins() {
        error("(1 / 0) + sqrt(-1)", "division_by_zero");
        error("sqrt(-1) + (1 / 0)", "domain_error");
        error("[1 / 0, 10 ** 1000]", "division_by_zero");
    }
}
