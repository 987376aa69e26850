package io.cuga.tool.calculator.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.cuga.api.tool.ToolException;

/** Evaluates a syntax tree left to right, as Python does; errors name the position of the operator or call. */
final class Evaluator {

    private Evaluator() {
    }

    static Object eval(Node node) throws ToolException {
        if (node instanceof Node.Num n) {
            return n.value();
        }
        if (node instanceof Node.Const c) {
            Double value = Functions.CONSTANTS.get(c.name());
            if (value == null) {
                throw new ToolException("unknown_name", "unknown name '" + c.name() + "'");
            }
            return value;
        }
        if (node instanceof Node.Unary u) {
            Object operand = eval(u.operand());
            try {
                return u.op() == '-' ? Numbers.negate(operand) : Numbers.plus(operand);
            } catch (ToolException e) {
                throw at(e, u.pos());
            }
        }
        if (node instanceof Node.Binary b) {
            Object left = eval(b.left());
            Object right = eval(b.right());
            try {
                return Numbers.apply(b.op(), left, right);
            } catch (ToolException e) {
                throw at(e, b.pos());
            }
        }
        if (node instanceof Node.Compare c) {
            Object left = eval(c.operands().get(0));
            for (int k = 0; k < c.ops().size(); k++) {
                Object right = eval(c.operands().get(k + 1));
                boolean holds;
                try {
                    holds = Numbers.compare(c.ops().get(k), left, right);
                } catch (ToolException e) {
                    throw at(e, c.pos());
                }
                if (!holds) {
                    return false;
                }
                left = right;
            }
            return true;
        }
        if (node instanceof Node.Call call) {
            Functions.Function f = Functions.FUNCTIONS.get(call.function());
            if (f == null) {
                throw new ToolException("unknown_name", "unknown function '" + call.function() + "'");
            }
            int n = call.args().size();
            if (n < f.minArgs() || n > f.maxArgs()) {
                throw new ToolException("argument_error", f.name() + "() got " + n + " arguments; call it as "
                    + f.usage());
            }
            List<Object> args = new ArrayList<>(n);
            for (Node arg : call.args()) {
                args.add(eval(arg));
            }
            try {
                return f.impl().apply(Collections.unmodifiableList(args));
            } catch (ToolException e) {
                throw at(e, call.pos());
            }
        }
        Node.ListLit list = (Node.ListLit) node;
        List<Object> items = new ArrayList<>(list.items().size());
        for (Node item : list.items()) {
            items.add(eval(item));
        }
        return Collections.unmodifiableList(items);
    }

    /** Adds the position to an error from one operation; operand errors already carry their own. */
    private static ToolException at(ToolException e, int pos) {
        if (pos <= 0) {
            return e;
        }
        return new ToolException(e.code(), e.getMessage() + " (at position " + pos + ")");
    }
}
