package io.cuga.memory.support.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one word split every backend uses, so "every word must occur" means the same everywhere: the text is
 * lower-cased ({@link Locale#ROOT}), then a word is a maximal run of Unicode letters or digits
 * ({@link Character#isLetterOrDigit(int)}); everything else separates words. A word longer than
 * {@value #MAX_WORD_CHARS} characters is cut to that length (in documents and queries alike). No stemming, no stop
 * words: "cats" does not find "cat", "the" is a word like any other.
 */
public final class Words {

    /** Longer words are cut to this many characters. */
    public static final int MAX_WORD_CHARS = 100;

    private Words() {
    }

    /**
     * @param text any text
     * @return its words, in order, duplicates kept
     */
    public static List<String> of(String text) {
        List<String> words = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        int i = 0;
        int n = lower.length();
        while (i < n) {
            int cp = lower.codePointAt(i);
            if (!Character.isLetterOrDigit(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            while (i < n) {
                cp = lower.codePointAt(i);
                if (!Character.isLetterOrDigit(cp)) {
                    break;
                }
                i += Character.charCount(cp);
            }
            words.add(cut(lower.substring(start, i)));
        }
        return words;
    }

    private static String cut(String word) {
        if (word.length() <= MAX_WORD_CHARS) {
            return word;
        }
        int end = MAX_WORD_CHARS;
        if (Character.isHighSurrogate(word.charAt(end - 1))) {
            end--;
        }
        return word.substring(0, end);
    }
}
