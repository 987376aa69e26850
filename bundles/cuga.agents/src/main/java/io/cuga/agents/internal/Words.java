package io.cuga.agents.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The word split the offline planner compares goals and tools with: lower case, light stemming, synonyms. */
final class Words {

    /** Words that say nothing about which tool fits. */
    private static final Set<String> STOP = Set.of("a", "an", "the", "of", "to", "and", "or", "is", "are", "be",
        "with", "for", "in", "on", "at", "by", "it", "its", "me", "my", "i", "you", "please", "what", "whats",
        "then", "this", "that", "from", "as", "into", "e", "g", "eg", "only", "any", "other", "can", "could",
        "would", "should", "do", "does", "give", "tell", "show", "get");

    /** Goal words mapped to the word a tool's description uses for the same thing. */
    private static final Map<String, String> SYNONYMS = Map.ofEntries(
        Map.entry("calculate", "arithmetic"), Map.entry("calculat", "arithmetic"), Map.entry("compute", "arithmetic"),
        Map.entry("comput", "arithmetic"), Map.entry("sum", "arithmetic"), Map.entry("add", "arithmetic"),
        Map.entry("multiply", "arithmetic"), Map.entry("multipli", "arithmetic"), Map.entry("divide", "arithmetic"),
        Map.entry("subtract", "arithmetic"), Map.entry("plu", "arithmetic"), Map.entry("minu", "arithmetic"),
        Map.entry("tim", "arithmetic"), Map.entry("math", "arithmetic"), Map.entry("evaluate", "arithmetic"),
        Map.entry("download", "fetch"), Map.entry("retrieve", "fetch"), Map.entry("load", "fetch"),
        Map.entry("open", "fetch"), Map.entry("read", "fetch"), Map.entry("web", "url"), Map.entry("page", "url"),
        Map.entry("website", "url"), Map.entry("link", "url"), Map.entry("say", "echo"), Map.entry("repeat", "echo"),
        Map.entry("send", "request"), Map.entry("post", "request"), Map.entry("upload", "request"));

    private Words() {
    }

    /**
     * @param text any text
     * @return its distinct content words, lower case, stemmed, with the synonyms' targets added
     */
    static Set<String> of(String text) {
        Set<String> words = new LinkedHashSet<>();
        for (String raw : split(text)) {
            if (raw.length() < 2 || STOP.contains(raw) || raw.chars().allMatch(Character::isDigit)) {
                continue;
            }
            String w = stem(raw);
            words.add(w);
            String synonym = SYNONYMS.get(raw);
            if (synonym == null) {
                synonym = SYNONYMS.get(w);
            }
            if (synonym != null) {
                words.add(synonym);
            }
        }
        return words;
    }

    /**
     * @param text any text
     * @return its content words as written (lower case, not stemmed, no stop words, no numbers), in order: what a
     *     memory search (whole words, no stemming) can find
     */
    static List<String> content(String text) {
        List<String> out = new ArrayList<>();
        for (String raw : split(text)) {
            if (raw.length() >= 2 && !STOP.contains(raw) && !raw.chars().allMatch(Character::isDigit)
                && !out.contains(raw)) {
                out.add(raw);
            }
        }
        return out;
    }

    /** @return the lower-case runs of letters and digits ({@code http_get} gives {@code http}, {@code get}) */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (char c : (text == null ? "" : text).toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                current.append(c);
            } else if (current.length() > 0) {
                out.add(current.toString());
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    /** Strips the commonest English endings, so "fetches" meets "fetch" and "evaluates" meets "evaluate". */
    static String stem(String w) {
        for (String suffix : new String[] {"ing", "es", "ed", "s", "ion"}) {
            if (w.length() > suffix.length() + 3 && w.endsWith(suffix)) {
                return w.substring(0, w.length() - suffix.length());
            }
        }
        return w;
    }
}
