package io.cuga.tool.calculator.internal;

import java.math.BigInteger;
import java.util.List;

/**
 * Prints a syntax tree as source text that parses back to the same tree shape, with only the parentheses
 * that precedence and associativity need.
 */
final class Printer {

    private static final int COMPARE = 1;
    private static final int UNARY = 4;
    private static final int ATOM = 6;

    private Printer() {
    }

    static String print(Node node) {
        StringBuilder b = new StringBuilder();
        print(node, 0, b);
        return b.toString();
    }

    private static void print(Node node, int minPrecedence, StringBuilder b) {
        int precedence = precedence(node);
        boolean parens = precedence < minPrecedence;
        if (parens) {
            b.append('(');
        }
        if (node instanceof Node.Num n) {
            b.append(number(n.value()));
        } else if (node instanceof Node.Const c) {
            b.append(c.name());
        } else if (node instanceof Node.Unary u) {
            b.append(u.op());
            print(u.operand(), UNARY, b);
        } else if (node instanceof Node.Binary bin) {
            if (bin.op() == Node.BinOp.POW) {
                // power := primary '**' unary, and it groups to the right
                print(bin.left(), ATOM, b);
                b.append(" ** ");
                print(bin.right(), UNARY, b);
            } else {
                print(bin.left(), precedence, b);
                b.append(' ').append(bin.op().symbol).append(' ');
                print(bin.right(), precedence + 1, b);
            }
        } else if (node instanceof Node.Compare c) {
            print(c.operands().get(0), COMPARE + 1, b);
            for (int k = 0; k < c.ops().size(); k++) {
                b.append(' ').append(c.ops().get(k).symbol).append(' ');
                print(c.operands().get(k + 1), COMPARE + 1, b);
            }
        } else if (node instanceof Node.Call call) {
            b.append(call.function()).append('(');
            list(call.args(), b);
            b.append(')');
        } else {
            b.append('[');
            list(((Node.ListLit) node).items(), b);
            b.append(']');
        }
        if (parens) {
            b.append(')');
        }
    }

    private static void list(List<Node> items, StringBuilder b) {
        for (int k = 0; k < items.size(); k++) {
            if (k > 0) {
                b.append(", ");
            }
            print(items.get(k), 0, b);
        }
    }

    private static int precedence(Node node) {
        if (node instanceof Node.Compare) {
            return COMPARE;
        }
        if (node instanceof Node.Binary b) {
            return b.op().precedence;
        }
        if (node instanceof Node.Unary || node instanceof Node.Num n && negative(n.value())) {
            return UNARY;
        }
        return ATOM;
    }

    private static boolean negative(Object value) {
        if (value instanceof Double d) {
            return d < 0 || d == 0.0 && 1 / d < 0;
        }
        if (value instanceof Long l) {
            return l < 0;
        }
        return value instanceof BigInteger b && b.signum() < 0;
    }

    private static String number(Object value) {
        if (value instanceof Double d) {
            if (d.isNaN()) {
                throw new IllegalArgumentException("NaN has no source form");
            }
            if (d.isInfinite()) {
                return d > 0 ? "inf" : "-inf";
            }
            return d.toString();
        }
        return value.toString();
    }
}
