package io.cuga.tool.http.client;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

import io.cuga.api.tool.ToolException;

/**
 * Turns a URL a caller wrote into the {@link URI} the client requests, and redacts URLs for messages. The host
 * is made ASCII (IDN), lower case and loses a trailing dot, so that what egress checks is what the client
 * connects to; everything egress refuses (user information, numeric spellings, schemes) is left to it.
 */
public final class TargetUrl {

    private TargetUrl() {
    }

    /**
     * @param url the URL as written
     * @return the URI to request
     * @throws ToolException {@code invalid_arguments} when it cannot be a URL at all
     */
    public static URI parse(String url) throws ToolException {
        if (url == null || url.isEmpty() || url.length() > 8192) {
            throw invalid("the URL must be an absolute http or https URL of at most 8192 characters");
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || Character.isWhitespace(c)
                || Character.isSpaceChar(c)) {
                throw invalid("the URL contains whitespace or a control character");
            }
            if (c == '\\') {
                throw invalid("the URL contains a backslash");
            }
        }
        int colon = url.indexOf(':');
        String scheme = colon > 0 ? url.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        if ((scheme.equals("http") || scheme.equals("https")) && url.startsWith("//", colon + 1)) {
            int start = colon + 3;
            int end = start;
            while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
                end++;
            }
            String authority = url.substring(start, end);
            if (authority.indexOf('@') >= 0) {
                throw invalid("user information (user@host) is not allowed in the URL");
            }
            String host = authority;
            String port = "";
            int close = authority.lastIndexOf(']');
            int portColon = authority.lastIndexOf(':');
            if (portColon > close && (close >= 0 || authority.indexOf(':') == portColon)) {
                host = authority.substring(0, portColon);
                port = authority.substring(portColon);
            }
            if (!host.startsWith("[")) {
                try {
                    host = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
                } catch (IllegalArgumentException e) {
                    throw invalid("the URL's host is not a valid domain name");
                }
                host = host.toLowerCase(Locale.ROOT);
                if (host.endsWith(".")) {
                    host = host.substring(0, host.length() - 1);
                }
            } else {
                host = host.toLowerCase(Locale.ROOT);
            }
            url = scheme + "://" + host + port + url.substring(end);
        }
        try {
            return new URI(new URI(url).toASCIIString());
        } catch (URISyntaxException e) {
            throw invalid("the URL is not valid: " + e.getReason());
        }
    }

    /**
     * Resolves a redirect's {@code Location} against the URL that answered.
     *
     * @param base the URL that answered
     * @param location the header's value
     * @return the next URL
     * @throws ToolException {@code invalid_redirect} when it cannot be read
     */
    public static URI resolve(URI base, String location) throws ToolException {
        try {
            String trimmed = location.trim();
            if (trimmed.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                return parse(trimmed);
            }
            for (int i = 0; i < trimmed.length(); i++) {
                char c = trimmed.charAt(i);
                if (c <= 0x20 || c == 0x7f || c == '\\') {
                    throw new ToolException("invalid_redirect", "the redirect from " + redact(base)
                        + " has a Location with whitespace, control characters or backslashes");
                }
            }
            return parse(base.resolve(new URI(trimmed)).toString());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new ToolException("invalid_redirect", "the redirect from " + redact(base) + " has a Location that "
                + "is not a valid URL");
        } catch (ToolException e) {
            if (e.code().equals("invalid_arguments")) {
                throw new ToolException("invalid_redirect", "the redirect from " + redact(base) + " goes to an invalid URL: "
                    + e.getMessage());
            }
            throw e;
        }
    }

    /** @return scheme://host[:port]path?key=REDACTED: no user information, query values or fragment */
    public static String redact(URI uri) {
        if (uri == null) {
            return "";
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            return uri.getScheme() == null ? "(relative URL)" : uri.getScheme() + ":…";
        }
        String authority = uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        StringBuilder out = new StringBuilder(uri.getScheme()).append("://").append(authority);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        out.append(path.length() > 200 ? path.substring(0, 200) + "…" : path);
        String query = uri.getRawQuery();
        if (query != null) {
            out.append('?');
            String[] pairs = query.split("&", -1);
            for (int i = 0; i < pairs.length && i < 20; i++) {
                if (i > 0) {
                    out.append('&');
                }
                int equals = pairs[i].indexOf('=');
                if (equals < 0) {
                    out.append(pairs[i].isEmpty() ? "" : "REDACTED");
                } else {
                    String key = pairs[i].substring(0, equals);
                    out.append(key.length() > 40 ? key.substring(0, 40) + "…" : key).append("=REDACTED");
                }
            }
            if (pairs.length > 20) {
                out.append("&…");
            }
        }
        return out.toString();
    }

    private static ToolException invalid(String message) {
        return new ToolException("invalid_arguments", message);
    }
}
