package io.cuga.tool.calculator.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.cuga.api.tool.ToolException;
import io.cuga.tool.calculator.internal.Lexer.Kind;
import io.cuga.tool.calculator.internal.Lexer.Token;
import io.cuga.tool.calculator.internal.Node.BinOp;
import io.cuga.tool.calculator.internal.Node.CmpOp;

/**
 * A recursive-descent parser for Python's expression grammar, restricted to arithmetic:
 *
 * <pre>
 * expression := additive ( ('&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '==' | '!=') additive )*
 * additive   := term ( ('+' | '-') term )*
 * term       := unary ( ('*' | '/' | '//' | '%') unary )*
 * unary      := ('+' | '-') unary | power
 * power      := primary ( '**' unary )?
 * primary    := NUMBER | CONSTANT | FUNCTION '(' arguments ')' | '(' expression ')' | '[' arguments? ']'
 * arguments  := expression ( ',' expression )* ','?
 * </pre>
 *
 * Names are resolved and function arities checked while parsing, so a misspelt name is reported before
 * anything is computed.
 */
final class Parser {

    /** How deeply parentheses, list brackets and function calls may nest. */
    static final int MAX_DEPTH = 50;

    private final List<Token> tokens;
    private int p;
    private int depth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * @param source the expression
     * @return its syntax tree
     * @throws ToolException {@code syntax_error}, {@code unknown_name}, {@code argument_error},
     *     {@code type_error} or {@code too_deep}, with the position of the offending token
     */
    static Node parse(String source) throws ToolException {
        Parser parser = new Parser(Lexer.tokenize(source));
        if (parser.peek().kind() == Kind.END) {
            throw new ToolException("syntax_error", "the expression is empty; write one such as 2 * (3 + 4)");
        }
        Node node = parser.expression();
        Token rest = parser.peek();
        if (rest.kind() != Kind.END) {
            String hint = switch (rest.kind()) {
                case NUMBER, NAME, LPAREN, LBRACKET -> "; put an operator such as * before it";
                case RPAREN -> "; it has no matching '('";
                case RBRACKET -> "; it has no matching '['";
                default -> "";
            };
            throw syntax(rest.pos(), "expected an operator or the end of the expression but found " + rest.describe()
                + hint);
        }
        return node;
    }

    private Node expression() throws ToolException {
        Node first = additive();
        CmpOp op = comparison(peek());
        if (op == null) {
            return first;
        }
        int pos = peek().pos();
        List<Node> operands = new ArrayList<>();
        List<CmpOp> ops = new ArrayList<>();
        operands.add(first);
        while (op != null) {
            next();
            ops.add(op);
            operands.add(additive());
            op = comparison(peek());
        }
        return new Node.Compare(operands, ops, pos);
    }

    private Node additive() throws ToolException {
        Node left = term();
        while (true) {
            Token t = peek();
            BinOp op = isOp(t, "+") ? BinOp.ADD : isOp(t, "-") ? BinOp.SUB : null;
            if (op == null) {
                return left;
            }
            next();
            left = new Node.Binary(op, left, term(), t.pos());
        }
    }

    private Node term() throws ToolException {
        Node left = unary();
        while (true) {
            Token t = peek();
            BinOp op = isOp(t, "*") ? BinOp.MUL : isOp(t, "/") ? BinOp.DIV : isOp(t, "//") ? BinOp.FLOORDIV
                : isOp(t, "%") ? BinOp.MOD : null;
            if (op == null) {
                return left;
            }
            next();
            left = new Node.Binary(op, left, unary(), t.pos());
        }
    }

    private Node unary() throws ToolException {
        // a run of signs is read in a loop, so "------1" costs no recursion
        List<Token> signs = new ArrayList<>();
        while (isOp(peek(), "+") || isOp(peek(), "-")) {
            signs.add(next());
        }
        Node node = power();
        for (int k = signs.size() - 1; k >= 0; k--) {
            Token sign = signs.get(k);
            node = new Node.Unary(sign.text().charAt(0), node, sign.pos());
        }
        return node;
    }

    private Node power() throws ToolException {
        Node base = primary();
        Token t = peek();
        if (isOp(t, "**")) {
            next();
            return new Node.Binary(BinOp.POW, base, unary(), t.pos());
        }
        return base;
    }

    private Node primary() throws ToolException {
        Token t = next();
        switch (t.kind()) {
            case NUMBER:
                return new Node.Num(t.value(), t.pos());
            case NAME:
                if (peek().kind() == Kind.LPAREN) {
                    return call(t);
                }
                return constant(t);
            case LPAREN: {
                enter(t);
                Node inner = expression();
                expectClose(Kind.RPAREN, ")", t);
                depth--;
                return inner;
            }
            case LBRACKET: {
                enter(t);
                List<Node> items = arguments(Kind.RBRACKET, "]", t);
                depth--;
                return new Node.ListLit(items, t.pos());
            }
            default:
                throw syntax(t.pos(), "expected a number, a name, '(' or '[' but found " + t.describe());
        }
    }

    private Node constant(Token name) throws ToolException {
        if (Functions.CONSTANTS.containsKey(name.text())) {
            return new Node.Const(name.text(), name.pos());
        }
        Functions.Function f = Functions.FUNCTIONS.get(name.text());
        if (f != null) {
            throw new ToolException("type_error", "'" + name.text() + "' at position " + name.pos()
                + " is a function; call it as " + f.usage());
        }
        throw unknown("name", name);
    }

    private Node call(Token name) throws ToolException {
        Functions.Function f = Functions.FUNCTIONS.get(name.text());
        if (f == null) {
            if (Functions.CONSTANTS.containsKey(name.text())) {
                throw new ToolException("type_error", "'" + name.text() + "' at position " + name.pos()
                    + " is a constant, not a function; put * before '(' to multiply");
            }
            throw unknown("function", name);
        }
        Token open = next();
        enter(open);
        List<Node> args = arguments(Kind.RPAREN, ")", open);
        depth--;
        if (args.size() < f.minArgs() || args.size() > f.maxArgs()) {
            String expected = f.minArgs() == f.maxArgs() ? "exactly " + count(f.minArgs())
                : f.maxArgs() == Integer.MAX_VALUE ? "at least " + count(f.minArgs())
                : f.minArgs() + " or " + count(f.maxArgs());
            throw new ToolException("argument_error", f.name() + "() at position " + name.pos() + " takes "
                + expected + " but got " + args.size() + "; call it as " + f.usage());
        }
        return new Node.Call(f.name(), args, name.pos());
    }

    private static String count(int n) {
        return n + (n == 1 ? " argument" : " arguments");
    }

    /** Reads {@code a, b, c} up to the closing token, which it consumes; a trailing comma is allowed. */
    private List<Node> arguments(Kind close, String closeText, Token open) throws ToolException {
        List<Node> items = new ArrayList<>();
        if (peek().kind() == close) {
            next();
            return items;
        }
        while (true) {
            items.add(expression());
            Token t = peek();
            if (t.kind() == Kind.COMMA) {
                next();
                if (peek().kind() == close) {
                    next();
                    return items;
                }
            } else {
                expectClose(close, closeText, open);
                return items;
            }
        }
    }

    private void expectClose(Kind close, String closeText, Token open) throws ToolException {
        Token t = next();
        if (t.kind() != close) {
            throw syntax(t.pos(), "expected '" + closeText + "' to close the '" + open.text() + "' at position "
                + open.pos() + " but found " + t.describe());
        }
    }

    private void enter(Token open) throws ToolException {
        if (++depth > MAX_DEPTH) {
            throw new ToolException("too_deep", "the expression nests parentheses, brackets and calls more than "
                + MAX_DEPTH + " levels deep (at position " + open.pos() + ")");
        }
    }

    private ToolException unknown(String what, Token name) {
        String text = name.text();
        String lower = text.toLowerCase(Locale.ROOT);
        String hint = Functions.FUNCTIONS.containsKey(lower) || Functions.CONSTANTS.containsKey(lower)
            ? "; did you mean '" + lower + "'?"
            : "; the known functions are " + String.join(", ", Functions.FUNCTIONS.keySet())
                + " and the constants " + String.join(", ", Functions.CONSTANTS.keySet());
        return new ToolException("unknown_name",
            "unknown " + what + " '" + Lexer.abbreviate(text) + "' at position " + name.pos() + hint);
    }

    private static CmpOp comparison(Token t) {
        if (t.kind() != Kind.OP) {
            return null;
        }
        for (CmpOp op : CmpOp.values()) {
            if (op.symbol.equals(t.text())) {
                return op;
            }
        }
        return null;
    }

    private static boolean isOp(Token t, String symbol) {
        return t.kind() == Kind.OP && t.text().equals(symbol);
    }

    private Token peek() {
        return tokens.get(p);
    }

    private Token next() {
        Token t = tokens.get(p);
        if (t.kind() != Kind.END) {
            p++;
        }
        return t;
    }

    private static ToolException syntax(int pos, String message) {
        return Lexer.syntax(pos - 1, message);
    }
}
