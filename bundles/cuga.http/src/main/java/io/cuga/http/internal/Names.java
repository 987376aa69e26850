package io.cuga.http.internal;

/** Character-class checks for header values and configured names, written out so no request compiles a regex. */
final class Names {

    /** Longest session id accepted in {@code X-Cuga-Session}. */
    static final int MAX_SESSION = 128;

    /** Longest profile name accepted in {@code X-Cuga-Profile} and in token entries. */
    static final int MAX_PROFILE = 64;

    private Names() {
    }

    /**
     * @param value a session id
     * @return whether it matches {@code ^[A-Za-z0-9._:-]{1,128}$}
     */
    static boolean isSession(String value) {
        return matches(value, MAX_SESSION, true);
    }

    /**
     * @param value a profile name
     * @return whether it matches {@code ^[A-Za-z0-9._-]{1,64}$}
     */
    static boolean isProfile(String value) {
        return matches(value, MAX_PROFILE, false);
    }

    /**
     * @param value a principal name from a token entry
     * @return whether it matches {@code ^[A-Za-z0-9._@-]{1,128}$}
     */
    static boolean isPrincipal(String value) {
        if (value == null || value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '@')) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(String value, int max, boolean colon) {
        if (value == null || value.isEmpty() || value.length() > max) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(isAlnum(c) || c == '.' || c == '_' || c == '-' || colon && c == ':')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }
}
