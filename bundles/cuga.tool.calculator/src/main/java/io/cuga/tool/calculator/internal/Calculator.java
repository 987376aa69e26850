package io.cuga.tool.calculator.internal;

import java.util.List;

import io.cuga.api.tool.ToolException;

/** Parses and evaluates one expression within the limits, and checks that the result is valid JSON. */
final class Calculator {

    /** The longest expression, in characters. */
    static final int MAX_LENGTH = 1000;

    /** The most elements a result list may hold, counting nested lists' elements too. */
    static final int MAX_LIST_ITEMS = 1000;

    private Calculator() {
    }

    /**
     * @param expression the expression
     * @return a {@link Long}, {@link java.math.BigInteger}, finite {@link Double}, {@link Boolean} or an
     *     unmodifiable list of these
     * @throws ToolException with a code and a message for the user; nothing else escapes
     */
    static Object evaluate(String expression) throws ToolException {
        if (expression == null) {
            throw new ToolException("invalid_arguments", "the argument 'expression' is required");
        }
        if (expression.length() > MAX_LENGTH) {
            throw new ToolException("too_long", "the expression is " + expression.length()
                + " characters long; the calculator accepts at most " + MAX_LENGTH);
        }
        Object value;
        try {
            value = Evaluator.eval(Parser.parse(expression));
        } catch (StackOverflowError e) {
            throw new ToolException("too_deep", "the expression is nested too deeply to evaluate");
        }
        checkResult(value, new int[1]);
        return value;
    }

    static Object evaluate(Node tree) throws ToolException {
        Object value = Evaluator.eval(tree);
        checkResult(value, new int[1]);
        return value;
    }

    private static void checkResult(Object value, int[] items) throws ToolException {
        if (value instanceof Double d && d.isInfinite()) {
            throw new ToolException("not_finite", "the result is " + (d > 0 ? "" : "-")
                + "infinite, which a JSON number cannot represent (comparisons such as x < inf work)");
        }
        if (value instanceof List<?> list) {
            items[0] += list.size();
            if (items[0] > MAX_LIST_ITEMS) {
                throw new ToolException("too_large", "the result holds more than " + MAX_LIST_ITEMS + " numbers");
            }
            for (Object item : list) {
                checkResult(item, items);
            }
        }
    }
}
