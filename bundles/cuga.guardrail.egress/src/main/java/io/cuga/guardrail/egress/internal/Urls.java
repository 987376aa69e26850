package io.cuga.guardrail.egress.internal;

import java.net.URI;
import java.util.Locale;

import io.cuga.guardrail.egress.internal.Hosts.Host;
import io.cuga.guardrail.egress.internal.Hosts.HostException;

/**
 * Reads outbound URLs strictly, the same way for a tool's argument (before dispatch) and for the {@link URI} a
 * client is about to connect to, and redacts them for messages.
 */
final class Urls {

    /** At most this many characters of URL are accepted. */
    static final int MAX_LENGTH = 8192;

    /**
     * A parsed target.
     *
     * @param scheme {@code http} or {@code https}
     * @param host the normalised host
     * @param port the port, -1 for the scheme's default
     * @param redacted the URL for messages: no user information, no query values, no fragment
     */
    record Target(String scheme, Host host, int port, String redacted) {
    }

    private Urls() {
    }

    /**
     * @param url a URL as a caller wrote it
     * @return the target
     * @throws HostException with rule {@code invalid_url}, {@code scheme_not_allowed} or {@code ambiguous_address}
     */
    static Target parse(String url) throws HostException {
        if (url == null || url.isEmpty()) {
            throw new HostException("invalid_url", "the URL is empty");
        }
        if (url.length() > MAX_LENGTH) {
            throw new HostException("invalid_url", "the URL is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || Character.isWhitespace(c)
                || Character.isSpaceChar(c)) {
                throw new HostException("invalid_url", "the URL contains whitespace or a control character");
            }
            if (c == '\\') {
                throw new HostException("invalid_url", "the URL contains a backslash");
            }
        }
        int colon = url.indexOf(':');
        if (colon <= 0 || !url.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            throw new HostException("invalid_url", "the URL must be absolute, such as https://example.com/");
        }
        String scheme = url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new HostException("scheme_not_allowed", "the scheme '" + scheme + "' is not allowed; only http "
                + "and https URLs can be allowed");
        }
        if (!url.startsWith("//", colon + 1)) {
            throw new HostException("invalid_url", "the URL must have the form " + scheme + "://host/...");
        }
        int start = colon + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        String authority = url.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            throw new HostException("invalid_url", "user information (user@host) is not allowed in the URL");
        }
        String hostText;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new HostException("invalid_url", "the IPv6 address is not closed by ']'");
            }
            hostText = authority.substring(0, close + 1);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new HostException("invalid_url", "unexpected characters after the IPv6 address");
                }
                portText = after.substring(1);
            }
        } else {
            int portColon = authority.indexOf(':');
            if (portColon >= 0 && authority.indexOf(':', portColon + 1) >= 0) {
                throw new HostException("invalid_url", "an IPv6 address in a URL must be in brackets");
            }
            hostText = portColon < 0 ? authority : authority.substring(0, portColon);
            portText = portColon < 0 ? null : authority.substring(portColon + 1);
        }
        int port = -1;
        if (portText != null) {
            if (!portText.matches("[0-9]{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
                throw new HostException("invalid_url", "the port '" + portText + "' is not a number from 1 to 65535");
            }
            port = Integer.parseInt(portText);
        }
        Host host = Hosts.parse(hostText);
        return new Target(scheme, host, port, redact(scheme, host, port, url.substring(end)));
    }

    /**
     * Reads the URI a client will connect to. Its host must be what {@link URI#getHost()} gives (a URI whose
     * authority Java cannot read as host and port, such as {@code http://a_b.example/} or {@code http://127.1/},
     * is refused, because other parsers read such authorities differently).
     *
     * @param uri the URI
     * @return the target
     * @throws HostException when it cannot be used
     */
    static Target parse(URI uri) throws HostException {
        if (uri == null || !uri.isAbsolute() || uri.isOpaque()) {
            throw new HostException("invalid_url", "the URL must be absolute, such as https://example.com/");
        }
        if (uri.getRawUserInfo() != null) {
            throw new HostException("invalid_url", "user information (user@host) is not allowed in the URL");
        }
        if (uri.getHost() == null) {
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new HostException("scheme_not_allowed", "the scheme '" + scheme + "' is not allowed; only http "
                    + "and https URLs can be allowed");
            }
            // say why with the strict reader, then refuse anyway
            parse(uri.toASCIIString());
            throw new HostException("invalid_url", "the URL's host is not a host name or address the client reads "
                + "the same way");
        }
        Target target = parse(uri.toASCIIString());
        Host own;
        try {
            own = Hosts.parse(uri.getHost());
        } catch (HostException e) {
            throw new HostException(e.rule(), e.getMessage());
        }
        if (!own.name().equals(target.host().name()) || uri.getPort() != target.port()) {
            throw new HostException("invalid_url", "the URL's host or port is read differently by different parsers");
        }
        return target;
    }

    /** @return scheme://host[:port]path?key=…, without user information, query values or fragment */
    private static String redact(String scheme, Host host, int port, String rest) {
        StringBuilder out = new StringBuilder(scheme).append("://");
        out.append(host.isLiteral() && host.literal().length == 16 ? "[" + host.name() + "]" : host.name());
        if (port >= 0) {
            out.append(':').append(port);
        }
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int question = rest.indexOf('?');
        String path = question < 0 ? rest : rest.substring(0, question);
        out.append(path.length() > 200 ? path.substring(0, 200) + "…" : path);
        if (question >= 0) {
            String query = rest.substring(question + 1);
            out.append('?');
            String[] pairs = query.split("&", -1);
            for (int i = 0; i < pairs.length && i < 20; i++) {
                if (i > 0) {
                    out.append('&');
                }
                int equals = pairs[i].indexOf('=');
                if (equals < 0) {
                    // a bare parameter may be the secret itself (?sk-123)
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
}
