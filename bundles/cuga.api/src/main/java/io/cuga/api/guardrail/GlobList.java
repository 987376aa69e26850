package io.cuga.api.guardrail;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Glob patterns as policies write them for tool names and bundle symbolic names: {@code *} any run of
 * characters (also none), {@code ?} exactly one character, everything else literal and case-sensitive. An empty
 * list matches nothing (deny by default). {@link #covers(String, String)} tells whether one pattern lies within
 * another, for {@link Guardrail.Rules#checkTightens(Guardrail.Rules)}.
 */
public final class GlobList {

    private final List<String> patterns;
    private final Set<String> literals = new HashSet<>();

    /** @param patterns the glob patterns, in the order a policy lists them */
    public GlobList(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
        for (String p : this.patterns) {
            if (p.indexOf('*') < 0 && p.indexOf('?') < 0) {
                literals.add(p);
            }
        }
    }

    /** @return the patterns, as given */
    public List<String> patterns() {
        return patterns;
    }

    /** @return true when there is no pattern: nothing matches */
    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** @return the first pattern matching {@code text} (a literal one first), or null */
    public String firstMatch(String text) {
        if (text == null) {
            return null;
        }
        if (literals.contains(text)) {
            return text;
        }
        for (String p : patterns) {
            if (matches(p, text)) {
                return p;
            }
        }
        return null;
    }

    /** @return true when glob {@code pattern} matches all of {@code text} */
    public static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))
                && pattern.charAt(p) != '*') {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /**
     * Whether every name {@code inner} matches is also matched by {@code outer}: true when they are equal, or
     * when {@code outer} matches {@code inner} read as a literal string, except that a {@code ?} of
     * {@code outer} never stands for a {@code *} of {@code inner} (one character cannot cover a run). Sound:
     * it never says yes wrongly; it may say no to containments that need reasoning across several patterns.
     */
    public static boolean covers(String outer, String inner) {
        if (outer.equals(inner)) {
            return true;
        }
        // dynamic programming over (outer position, inner position)
        int n = outer.length();
        int m = inner.length();
        boolean[][] ok = new boolean[n + 1][m + 1];
        ok[n][m] = true;
        for (int i = n - 1; i >= 0; i--) {
            char o = outer.charAt(i);
            for (int j = m; j >= 0; j--) {
                if (o == '*') {
                    ok[i][j] = ok[i + 1][j] || (j < m && ok[i][j + 1]);
                } else if (j < m) {
                    char c = inner.charAt(j);
                    boolean one = o == '?' ? c != '*' : (o == c && c != '*' && c != '?');
                    ok[i][j] = one && ok[i + 1][j + 1];
                }
            }
        }
        return ok[0][0];
    }

    /** @return the first pattern of {@code outers} that covers {@code inner}, or null */
    public static String coveredBy(List<String> outers, String inner) {
        for (String o : outers) {
            if (covers(o, inner)) {
                return o;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return patterns.toString();
    }
}
