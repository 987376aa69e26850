package io.cuga.tool.calculator.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import io.cuga.api.tool.ToolException;

/** Splits an expression into tokens, Python's way for numbers; positions are 1-based. */
final class Lexer {

    enum Kind { NUMBER, NAME, OP, LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, END }

    /** One token; {@code value} is set for numbers only. */
    record Token(Kind kind, String text, int pos, Object value) {

        /** @return how an error message names this token */
        String describe() {
            return switch (kind) {
                case END -> "the end of the expression";
                case NUMBER -> "the number " + text;
                case NAME -> "the name '" + text + "'";
                default -> "'" + text + "'";
            };
        }
    }

    private final String src;
    private int i;

    private Lexer(String src) {
        this.src = src;
    }

    /**
     * @param src the expression
     * @return its tokens, ending with one {@link Kind#END} token
     * @throws ToolException {@code syntax_error} for a character or number that is not part of the language
     */
    static List<Token> tokenize(String src) throws ToolException {
        return new Lexer(src).run();
    }

    private List<Token> run() throws ToolException {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            while (i < src.length() && isSpace(src.charAt(i))) {
                i++;
            }
            if (i >= src.length()) {
                tokens.add(new Token(Kind.END, "", src.length() + 1, null));
                return tokens;
            }
            char c = src.charAt(i);
            int start = i;
            if (isDigit(c) || (c == '.' && i + 1 < src.length() && isDigit(src.charAt(i + 1)))) {
                tokens.add(number());
            } else if (isNameStart(c)) {
                while (i < src.length() && isNamePart(src.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.NAME, src.substring(start, i), start + 1, null));
            } else {
                tokens.add(symbol(c, start));
            }
        }
    }

    private Token symbol(char c, int start) throws ToolException {
        char next = i + 1 < src.length() ? src.charAt(i + 1) : 0;
        String two = "" + c + next;
        switch (two) {
            case "**", "//", "<=", ">=", "==", "!=" -> {
                i += 2;
                return new Token(Kind.OP, two, start + 1, null);
            }
            default -> {
                // single characters below
            }
        }
        i++;
        return switch (c) {
            case '+', '-', '*', '/', '%', '<', '>' -> new Token(Kind.OP, String.valueOf(c), start + 1, null);
            case '(' -> new Token(Kind.LPAREN, "(", start + 1, null);
            case ')' -> new Token(Kind.RPAREN, ")", start + 1, null);
            case '[' -> new Token(Kind.LBRACKET, "[", start + 1, null);
            case ']' -> new Token(Kind.RBRACKET, "]", start + 1, null);
            case ',' -> new Token(Kind.COMMA, ",", start + 1, null);
            case '^' -> throw syntax(start, "'^' is not an operator here; write ** for a power, e.g. 2 ** 10");
            case '=' -> throw syntax(start, "'=' is not an operator; write == to compare");
            default -> throw syntax(start, "unexpected character " + quote(src.codePointAt(start)));
        };
    }

    private Token number() throws ToolException {
        int start = i;
        char c = src.charAt(i);
        if (c == '0' && i + 1 < src.length() && "xXoObB".indexOf(src.charAt(i + 1)) >= 0) {
            char p = Character.toLowerCase(src.charAt(i + 1));
            int radix = p == 'x' ? 16 : p == 'o' ? 8 : 2;
            i += 2;
            String digits = digits(start, radix, true);
            checkEnd(start);
            return new Token(Kind.NUMBER, src.substring(start, i), start + 1,
                Numbers.normalize(new BigInteger(digits, radix)));
        }
        boolean isFloat = false;
        StringBuilder text = new StringBuilder();
        if (c != '.') {
            text.append(digits(start, 10, false));
        }
        if (i < src.length() && src.charAt(i) == '.') {
            isFloat = true;
            i++;
            text.append('.');
            if (i < src.length() && isDigit(src.charAt(i))) {
                text.append(digits(start, 10, false));
            }
        }
        if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E')) {
            isFloat = true;
            i++;
            text.append('e');
            if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
                text.append(src.charAt(i++));
            }
            if (i >= src.length() || !isDigit(src.charAt(i))) {
                throw malformed(start);
            }
            text.append(digits(start, 10, false));
        }
        checkEnd(start);
        String literal = src.substring(start, i);
        if (isFloat) {
            return new Token(Kind.NUMBER, literal, start + 1, Double.parseDouble(text.toString()));
        }
        String digits = text.toString();
        if (digits.length() > 1 && digits.charAt(0) == '0' && !digits.chars().allMatch(d -> d == '0')) {
            throw syntax(start, "leading zeros are not allowed in the integer " + literal
                + "; write 0o" + digits.replaceFirst("^0+", "") + " for an octal number");
        }
        return new Token(Kind.NUMBER, literal, start + 1, Numbers.normalize(new BigInteger(digits)));
    }

    /**
     * Reads digits of the radix with single underscores between them (Python's {@code 1_000}).
     *
     * @param afterPrefix true right after {@code 0x}, {@code 0o} or {@code 0b}, where an underscore may come first
     */
    private String digits(int start, int radix, boolean afterPrefix) throws ToolException {
        StringBuilder b = new StringBuilder();
        boolean underscoreAllowed = afterPrefix;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '_') {
                if (!underscoreAllowed || i + 1 >= src.length() || !isDigitOf(src.charAt(i + 1), radix)) {
                    throw malformed(start);
                }
                underscoreAllowed = false;
                i++;
            } else if (isDigitOf(c, radix)) {
                b.append(c);
                underscoreAllowed = true;
                i++;
            } else {
                break;
            }
        }
        if (b.length() == 0) {
            throw malformed(start);
        }
        return b.toString();
    }

    private static boolean isDigitOf(char c, int radix) {
        return c < 128 && Character.digit(c, radix) >= 0;
    }

    /** A number must not run straight into a letter, digit or dot: {@code 2x}, {@code 0b12}, {@code 1.2.3}. */
    private void checkEnd(int start) throws ToolException {
        if (i < src.length()) {
            char c = src.charAt(i);
            if (isNamePart(c) || c == '.') {
                while (i < src.length() && (isNamePart(src.charAt(i)) || src.charAt(i) == '.')) {
                    i++;
                }
                throw malformed(start);
            }
        }
    }

    private ToolException malformed(int start) {
        int end = i;
        while (end < src.length() && (isNamePart(src.charAt(end)) || src.charAt(end) == '.')) {
            end++;
        }
        String text = src.substring(start, Math.max(end, Math.min(start + 1, src.length())));
        return syntax(start, "malformed number '" + abbreviate(text) + "'");
    }

    static ToolException syntax(int index, String message) {
        return new ToolException("syntax_error", "syntax error at position " + (index + 1) + ": " + message);
    }

    private static String quote(int codePoint) {
        if (codePoint < 32 || codePoint == 127 || !Character.isDefined(codePoint)
            || Character.getType(codePoint) == Character.FORMAT) {
            return String.format("U+%04X", codePoint);
        }
        return "'" + new String(Character.toChars(codePoint)) + "'";
    }

    static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    /** Any Unicode space counts, so a non-breaking space pasted from a document is not an error. */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || isDigit(c);
    }
}
