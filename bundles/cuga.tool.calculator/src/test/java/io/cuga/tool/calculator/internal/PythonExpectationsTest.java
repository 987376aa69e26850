package io.cuga.tool.calculator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The calculator gives CPython's value, of the same type, for every expression in python-expectations.txt. */
class PythonExpectationsTest {

    static Stream<Arguments> expectations() throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
            PythonExpectationsTest.class.getResourceAsStream("/python-expectations.txt"), StandardCharsets.UTF_8))) {
            List<Arguments> cases = r.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("  =>  ", 2))
                .map(parts -> Arguments.of(parts[0], parts[1]))
                .toList();
            return cases.stream();
        }
    }

    @ParameterizedTest(name = "{0}  =>  {1}")
    @MethodSource("expectations")
    void agreesWithPython(String expression, String pythonRepr) {
        assertSame(Eval.value(expression), Eval.python(pythonRepr), expression);
    }

    @Test
    void theFileHasTheCases() throws IOException {
        assertThat(expectations().count()).isGreaterThan(150);
    }

    /** Same type and value; floats from library functions may differ from C's libm by an ulp or two. */
    static void assertSame(Object actual, Object expected, String expression) {
        if (expected instanceof List<?> e) {
            assertThat(actual).as(expression).isInstanceOf(List.class);
            List<?> a = (List<?>) actual;
            assertThat(a).as(expression).hasSameSizeAs(e);
            for (int k = 0; k < e.size(); k++) {
                assertSame(a.get(k), e.get(k), expression);
            }
            return;
        }
        assertThat(actual).as("type of the value of %s", expression).isExactlyInstanceOf(expected.getClass());
        if (expected instanceof Double d && !d.equals(actual)) {
            assertThat((Double) actual).as(expression).isCloseTo(d, org.assertj.core.data.Offset.offset(2 * Math.ulp(d)));
            assertThat(Math.copySign(1.0, (Double) actual)).as("sign of " + expression).isEqualTo(Math.copySign(1.0, d));
        } else {
            assertThat(actual).as(expression).isEqualTo(expected);
        }
    }
}
