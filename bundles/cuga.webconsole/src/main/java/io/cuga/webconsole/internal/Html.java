package io.cuga.webconsole.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * A small HTML writer for the console pages. Every text and attribute value passes through {@link #text} or
 * {@link #attr}, which also encode {@code $}: the Web Console fills in {@code ${...}} variables in the HTML it
 * sends, so text that came from a tool, a policy or a caller must never carry that syntax through.
 */
final class Html {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
        .withZone(ZoneOffset.UTC);

    private final StringBuilder out = new StringBuilder(4096);

    /** @return the HTML written so far */
    @Override
    public String toString() {
        return out.toString();
    }

    /** Appends markup as is: only for constant strings of this bundle. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Appends text, escaped. */
    Html text(Object value) {
        out.append(escape(value == null ? "" : String.valueOf(value)));
        return this;
    }

    /** Appends an element with text content: {@code <tag class="css">text</tag>}. */
    Html el(String tag, String css, Object text) {
        out.append('<').append(tag);
        if (css != null && !css.isEmpty()) {
            out.append(" class=\"").append(escape(css)).append('"');
        }
        out.append('>').append(escape(text == null ? "" : String.valueOf(text))).append("</").append(tag)
            .append('>');
        return this;
    }

    /** Appends {@code name="value"} (with a leading space), the value escaped. */
    Html attr(String name, Object value) {
        out.append(' ').append(name).append("=\"").append(escape(value == null ? "" : String.valueOf(value)))
            .append('"');
        return this;
    }

    /** Appends a table cell with text. */
    Html td(Object text) {
        return el("td", null, text);
    }

    /** Appends a link. */
    Html link(String href, Object text) {
        out.append("<a");
        attr("href", href);
        out.append('>').append(escape(String.valueOf(text))).append("</a>");
        return this;
    }

    /** Appends a message box: kind is {@code info}, {@code ok}, {@code warn} or {@code error}. */
    Html message(String kind, Object text) {
        out.append("<div class=\"cuga-msg cuga-msg-").append(kind).append("\" role=\"status\">")
            .append(escape(String.valueOf(text))).append("</div>");
        return this;
    }

    /** Appends a hidden form field. */
    Html hidden(String name, Object value) {
        out.append("<input type=\"hidden\"");
        attr("name", name);
        attr("value", value);
        out.append('>');
        return this;
    }

    /** Appends an option of a select, selected when its value equals {@code current}. */
    Html option(String value, String label, String current) {
        out.append("<option");
        attr("value", value);
        if (value.equals(current)) {
            out.append(" selected");
        }
        out.append('>').append(escape(label)).append("</option>");
        return this;
    }

    /**
     * @param s any text
     * @return the text safe inside element content and double-quoted attributes, {@code $} encoded too
     */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '&' -> "&amp;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '$' -> "&#36;";
                default -> null;
            };
            if (r == null && c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                r = "&#xFFFD;";
            }
            if (r != null) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                b.append(r);
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** @return the value URL-encoded for a query string */
    static String url(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** @return a query string {@code ?k=v&...} of the non-blank values, or empty */
    static String query(Map<String, String> params) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.getValue() != null && !e.getValue().isBlank()) {
                q.append(q.length() == 0 ? '?' : '&').append(url(e.getKey())).append('=').append(url(e.getValue()));
            }
        }
        return q.toString();
    }

    /** @return the instant as {@code yyyy-MM-dd HH:mm:ssZ} in UTC, or empty for null */
    static String time(Instant at) {
        return at == null ? "" : TIME.format(at);
    }
}
