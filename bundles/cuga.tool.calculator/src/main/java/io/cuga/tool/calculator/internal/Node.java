package io.cuga.tool.calculator.internal;

import java.util.List;

/**
 * The syntax tree of an expression. Every node remembers the 1-based position of its first character (or of
 * its operator) so evaluation errors can point at it.
 */
sealed interface Node {

    /** @return the 1-based position in the source, 0 for a tree built in code */
    int pos();

    /** A number literal: a {@link Long}, {@link java.math.BigInteger} or {@link Double}, never negative. */
    record Num(Object value, int pos) implements Node {
    }

    /** A constant such as {@code pi}. */
    record Const(String name, int pos) implements Node {
    }

    /** Unary {@code +} or {@code -}. */
    record Unary(char op, Node operand, int pos) implements Node {
    }

    /** A binary arithmetic operator; {@code pos} is the operator's position. */
    record Binary(BinOp op, Node left, Node right, int pos) implements Node {
    }

    /**
     * A comparison chain {@code a < b <= c}, meaning {@code a < b and b <= c} as in Python; operands are
     * evaluated at most once and the chain stops at the first false link.
     */
    record Compare(List<Node> operands, List<CmpOp> ops, int pos) implements Node {
        public Compare {
            operands = List.copyOf(operands);
            ops = List.copyOf(ops);
            if (operands.size() != ops.size() + 1 || ops.isEmpty()) {
                throw new IllegalArgumentException("a comparison needs n operators and n + 1 operands");
            }
        }
    }

    /** A call of a built-in function. */
    record Call(String function, List<Node> args, int pos) implements Node {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** A list literal {@code [a, b, c]}. */
    record ListLit(List<Node> items, int pos) implements Node {
        public ListLit {
            items = List.copyOf(items);
        }
    }

    /** Binary operators with their source symbol and precedence (higher binds tighter). */
    enum BinOp {
        ADD("+", 2), SUB("-", 2), MUL("*", 3), DIV("/", 3), FLOORDIV("//", 3), MOD("%", 3), POW("**", 5);

        final String symbol;
        final int precedence;

        BinOp(String symbol, int precedence) {
            this.symbol = symbol;
            this.precedence = precedence;
        }
    }

    /** Comparison operators. */
    enum CmpOp {
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

        final String symbol;

        CmpOp(String symbol) {
            this.symbol = symbol;
        }
    }
}
