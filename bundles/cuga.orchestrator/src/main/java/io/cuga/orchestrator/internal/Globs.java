package io.cuga.orchestrator.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list of glob patterns ({@code *} any run of characters, {@code ?} one character, everything else literal),
 * compiled once. An empty list matches nothing: deny by default.
 */
final class Globs {

    private final List<String> patterns;
    private final Pattern compiled;

    private Globs(List<String> patterns) {
        this.patterns = Collections.unmodifiableList(patterns);
        if (patterns.isEmpty()) {
            this.compiled = null;
        } else {
            StringBuilder regex = new StringBuilder();
            for (String glob : patterns) {
                if (regex.length() > 0) {
                    regex.append('|');
                }
                regex.append("(?:").append(toRegex(glob)).append(')');
            }
            this.compiled = Pattern.compile(regex.toString());
        }
    }

    /**
     * Parses patterns from configuration values. Each value may itself hold several patterns separated by
     * commas or white space (a FileInstall {@code .cfg} delivers a list as one string).
     */
    static Globs parse(String... values) {
        List<String> patterns = new ArrayList<>();
        if (values != null) {
            for (String value : values) {
                if (value == null) {
                    continue;
                }
                for (String part : value.split("[,\\s]+")) {
                    if (!part.isEmpty() && !patterns.contains(part)) {
                        patterns.add(part);
                    }
                }
            }
        }
        return new Globs(patterns);
    }

    boolean matches(String text) {
        return compiled != null && text != null && compiled.matcher(text).matches();
    }

    List<String> patterns() {
        return patterns;
    }

    private static String toRegex(String glob) {
        StringBuilder out = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    out.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                out.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            out.append(Pattern.quote(literal.toString()));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return patterns.toString();
    }
}
