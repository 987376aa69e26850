package io.cuga.agents.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fills a tool's arguments from the words of a goal, property by property of the tool's JSON schema: an
 * arithmetic expression for a property named or described as an expression, a URL for one named or formatted
 * as a URL, quoted strings for the other string properties (in order), numbers for number and integer
 * properties, an enum value the goal names, and {@code true}/{@code false} for booleans.
 */
final class ArgumentExtractor {

    /** A URL. */
    static final Pattern URL = Pattern.compile("https?://[^\\s\"'<>]+");
    /** A quoted string, double or single quotes (a single quote must not sit inside a word). */
    static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"|(?<![\\w])'([^']*)'(?![\\w])");
    /** A number. */
    static final Pattern NUMBER = Pattern.compile("(?<![\\w.])-?\\d+(?:\\.\\d+)?(?![\\w.])");
    /** The longest run of arithmetic: numbers, operators, parentheses, and the calculator's function names. */
    static final Pattern ARITHMETIC = Pattern.compile(
        "(?:(?:sqrt|abs|round|min|max|sum|pow|sin|cos|tan|log|log10|log2|exp|ceil|floor|pi|tau)\\b|[0-9.]+|[-+*/%^(),\\s]"
            + "|\\*\\*|//)+", Pattern.CASE_INSENSITIVE);

    /** What the extraction found. */
    record Result(Map<String, Object> arguments, List<String> missing, List<String> notes) {
    }

    private ArgumentExtractor() {
    }

    /**
     * @param goal the goal (one part of it)
     * @param schema the tool's input schema
     * @return the arguments found, the required properties not found, and what was extracted how
     */
    static Result extract(String goal, JsonNode schema) {
        Map<String, Object> args = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        String rest = goal;
        String expression = expression(goal);
        String url = first(URL, goal);
        List<String> quoted = new ArrayList<>();
        Matcher q = QUOTED.matcher(goal);
        while (q.find()) {
            quoted.add(q.group(1) != null ? q.group(1) : q.group(2));
        }
        JsonNode properties = schema.path("properties");
        int quotedUsed = 0;
        List<String> numbers = new ArrayList<>();
        String withoutUrls = URL.matcher(QUOTED.matcher(goal).replaceAll(" ")).replaceAll(" ");
        Matcher n = NUMBER.matcher(withoutUrls);
        while (n.find()) {
            numbers.add(n.group());
        }
        int numberUsed = 0;
        for (var it = properties.fields(); it.hasNext();) {
            var e = it.next();
            String name = e.getKey();
            JsonNode p = e.getValue();
            String type = p.path("type").asText("");
            String lname = name.toLowerCase(Locale.ROOT);
            String description = p.path("description").asText("").toLowerCase(Locale.ROOT);
            if (p.has("enum")) {
                for (JsonNode option : p.path("enum")) {
                    if (Words.split(goal).contains(option.asText().toLowerCase(Locale.ROOT))) {
                        args.put(name, option.isNumber() ? option.numberValue() : option.asText());
                        notes.add(name + " = enum value named in the goal");
                        break;
                    }
                }
            } else if ("string".equals(type) && (lname.contains("url") || lname.contains("uri")
                || "uri".equals(p.path("format").asText()))) {
                if (url != null) {
                    args.put(name, url);
                    notes.add(name + " = the URL in the goal");
                }
            } else if ("string".equals(type) && (lname.contains("expression") || lname.equals("formula")
                || description.contains("arithmetic expression"))) {
                if (expression != null) {
                    args.put(name, expression);
                    notes.add(name + " = the arithmetic in the goal");
                }
            } else if ("string".equals(type)) {
                if (quotedUsed < quoted.size()) {
                    args.put(name, quoted.get(quotedUsed++));
                    notes.add(name + " = a quoted string");
                }
            } else if (("integer".equals(type) || "number".equals(type)) && numberUsed < numbers.size()
                && expression == null) {
                String number = numbers.get(numberUsed++);
                if ("integer".equals(type) && !number.contains(".")) {
                    args.put(name, Long.parseLong(number));
                } else if ("number".equals(type)) {
                    args.put(name, Double.parseDouble(number));
                }
                notes.add(name + " = a number in the goal");
            } else if ("boolean".equals(type)) {
                List<String> words = Words.split(rest);
                if (words.contains("true") || words.contains("false")) {
                    args.put(name, words.contains("true"));
                    notes.add(name + " = true/false in the goal");
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (JsonNode r : schema.path("required")) {
            if (!args.containsKey(r.asText())) {
                missing.add(r.asText());
            }
        }
        return new Result(args, missing, notes);
    }

    /**
     * @param text a goal
     * @return the longest arithmetic expression in it (at least one digit and one operator or function), trimmed;
     *     null when there is none
     */
    static String expression(String text) {
        String best = null;
        Matcher m = ARITHMETIC.matcher(text.replace('×', '*').replace('÷', '/'));
        while (m.find()) {
            String candidate = trimBalanced(m.group().strip());
            if (candidate.chars().anyMatch(Character::isDigit) && hasOperator(candidate)
                && (best == null || candidate.length() > best.length())) {
                best = candidate;
            }
        }
        return best == null ? null : best.replace("^", "**");
    }

    private static boolean hasOperator(String s) {
        return s.matches(".*[-+*/%^].*") || s.matches("(?i).*[a-z]+\\s*\\(.*");
    }

    /** Drops trailing punctuation and unbalanced parentheses at the ends ("(2+3)*7)." → "(2+3)*7"). */
    private static String trimBalanced(String s) {
        String t = s;
        boolean changed = true;
        while (changed && !t.isEmpty()) {
            changed = false;
            char last = t.charAt(t.length() - 1);
            if (last == ',' || last == '.' || last == '-' || last == '+' || last == '*' || last == '/') {
                t = t.substring(0, t.length() - 1).strip();
                changed = true;
            } else if (last == ')' && depth(t) < 0) {
                t = t.substring(0, t.length() - 1).strip();
                changed = true;
            } else if (t.charAt(0) == '(' && depth(t) > 0) {
                t = t.substring(1).strip();
                changed = true;
            } else if (",)*/%+".indexOf(t.charAt(0)) >= 0) {
                t = t.substring(1).strip();
                changed = true;
            }
        }
        return t;
    }

    private static int depth(String s) {
        int d = 0;
        for (char c : s.toCharArray()) {
            d += c == '(' ? 1 : c == ')' ? -1 : 0;
        }
        return d;
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            return null;
        }
        String s = m.group();
        while (!s.isEmpty() && ".,;:!?)".indexOf(s.charAt(s.length() - 1)) >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
