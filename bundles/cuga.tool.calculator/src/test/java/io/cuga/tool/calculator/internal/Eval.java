package io.cuga.tool.calculator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import io.cuga.api.tool.ToolException;

/** Test helpers: evaluate, expect an error, and read Python's repr of a value. */
final class Eval {

    private Eval() {
    }

    static Object value(String expression) {
        try {
            return Calculator.evaluate(expression);
        } catch (ToolException e) {
            throw new AssertionError("'" + expression + "' failed with " + e.code() + ": " + e.getMessage(), e);
        }
    }

    /** @return the error the expression fails with, after checking it has the code */
    static ToolException error(String expression, String code) {
        ToolException e = catchThrowableOfType(ToolException.class, () -> Calculator.evaluate(expression));
        assertThat(e).as("error of '%s'", expression).isNotNull();
        assertThat(e.code()).as("code of the error of '%s' (message: %s)", expression, e.getMessage()).isEqualTo(code);
        assertThat(e.getMessage()).isNotBlank();
        return e;
    }

    static Object integer(String digits) {
        BigInteger b = new BigInteger(digits);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    /** Reads Python's repr of an int, float, bool or list into the calculator's value types. */
    static Object python(String repr) {
        int[] at = {0};
        Object v = python(repr.trim(), at);
        if (at[0] != repr.trim().length()) {
            throw new IllegalArgumentException("trailing text in " + repr);
        }
        return v;
    }

    private static Object python(String s, int[] at) {
        if (s.charAt(at[0]) == '[') {
            at[0]++;
            List<Object> items = new ArrayList<>();
            while (s.charAt(at[0]) != ']') {
                items.add(python(s, at));
                if (s.charAt(at[0]) == ',') {
                    at[0] += 2;
                }
            }
            at[0]++;
            return items;
        }
        int end = at[0];
        while (end < s.length() && s.charAt(end) != ',' && s.charAt(end) != ']') {
            end++;
        }
        String token = s.substring(at[0], end);
        at[0] = end;
        return switch (token) {
            case "True" -> true;
            case "False" -> false;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> token.matches("-?\\d+") ? integer(token) : (Object) Double.parseDouble(token);
        };
    }
}
