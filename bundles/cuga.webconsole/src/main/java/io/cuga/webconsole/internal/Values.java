package io.cuga.webconsole.internal;

import java.util.Collection;
import java.util.Map;

/** Renders JSON-like values (maps, lists, scalars) as nested HTML lists a person can read. */
final class Values {

    private static final int MAX_DEPTH = 8;
    private static final int MAX_TEXT = 400;

    private Values() {
    }

    /**
     * @param page where to write
     * @param value a map, a collection or a scalar
     */
    static void render(Html page, Object value) {
        render(page, value, 0);
    }

    private static void render(Html page, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            page.text("…");
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                page.el("span", "cuga-dim", "(none)");
                return;
            }
            page.raw("<dl class=\"cuga-kv\">");
            for (Map.Entry<?, ?> e : map.entrySet()) {
                page.el("dt", null, e.getKey());
                page.raw("<dd>");
                render(page, e.getValue(), depth + 1);
                page.raw("</dd>");
            }
            page.raw("</dl>");
        } else if (value instanceof Collection<?> list) {
            if (list.isEmpty()) {
                page.el("span", "cuga-dim", "(empty list)");
                return;
            }
            boolean scalars = list.stream().noneMatch(v -> v instanceof Map || v instanceof Collection);
            if (scalars) {
                StringBuilder s = new StringBuilder();
                for (Object v : list) {
                    s.append(s.length() == 0 ? "" : ", ").append(v);
                }
                page.text(clip(s.toString()));
                return;
            }
            page.raw("<ol class=\"cuga-list\">");
            for (Object v : list) {
                page.raw("<li>");
                render(page, v, depth + 1);
                page.raw("</li>");
            }
            page.raw("</ol>");
        } else if (value == null) {
            page.el("span", "cuga-dim", "null");
        } else {
            page.text(clip(String.valueOf(value)));
        }
    }

    /** @return the text, cut to a readable length */
    static String clip(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "… (" + s.length() + " characters)";
    }
}
