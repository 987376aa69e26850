package io.cuga.launcher.config;

import java.io.PrintStream;
import java.util.List;

/** Prints effective values with their layer and source, secrets masked ({@code cuga config explain}). */
public final class Explain {

    private Explain() {
    }

    /** All keys, one line each: {@code key = value  (layer source)}. */
    public static void all(Resolved r, PrintStream out) {
        for (String key : r.keys()) {
            Resolved.Entry e = r.get(key);
            out.println(key + " = " + e.shown(r.secret(key)) + "  (" + e.provenance() + ")");
        }
    }

    /** One key: its effective value and every lower source it overrides. Returns false when nothing sets it. */
    public static boolean one(Resolved r, String key, PrintStream out) {
        List<Resolved.Entry> chain = r.chain(key);
        if (chain.isEmpty()) {
            return false;
        }
        String canonical = Schema.canonical(key);
        boolean secret = r.secret(canonical) || Schema.secretKey(key);
        Resolved.Entry top = chain.get(chain.size() - 1);
        out.println(canonical + (canonical.equals(key) ? "" : " (alias " + key + ")") + " = " + top.shown(secret)
                + "  (" + top.provenance() + ")");
        for (int i = chain.size() - 2; i >= 0; i--) {
            Resolved.Entry e = chain.get(i);
            out.println("  overrides " + e.shown(secret) + "  (" + e.provenance() + ")");
        }
        return true;
    }
}
