package io.cuga.webconsole.internal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * Protection of the console's state-changing forms against cross-site request forgery. Two checks, both must
 * pass: the request comes from a page of this server (its {@code Origin}, or when a browser sent none its
 * {@code Referer}, names the same scheme, host and port as the request's {@code Host}), and the form carries
 * the token of the browser's session (a random value kept in the HTTP session, compared in constant time).
 */
final class Csrf {

    /** The form field that carries the token. */
    static final String FIELD = "csrf";

    private static final String ATTRIBUTE = "io.cuga.webconsole.csrf";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Csrf() {
    }

    /**
     * @param session the browser's session
     * @return the session's token, made on first use
     */
    static String token(HttpSession session) {
        synchronized (session) {
            Object token = session.getAttribute(ATTRIBUTE);
            if (token instanceof String s) {
                return s;
            }
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String made = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            session.setAttribute(ATTRIBUTE, made);
            return made;
        }
    }

    /**
     * @param request a POST of a console form
     * @return why the request is refused, or null when it may change state
     */
    static String problem(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object expected = session == null ? null : session.getAttribute(ATTRIBUTE);
        return problem(request.getScheme(), request.getHeader("Host"), request.getHeader("Origin"),
            request.getHeader("Referer"), expected instanceof String s ? s : null, request.getParameter(FIELD));
    }

    /**
     * The decision, apart from the servlet API.
     *
     * @param scheme the request's scheme ({@code http} or {@code https})
     * @param host the request's {@code Host} header
     * @param origin its {@code Origin} header, or null
     * @param referer its {@code Referer} header, or null
     * @param expected the session's token, or null when the browser has no session
     * @param sent the token the form sent, or null
     * @return why the request is refused, or null when it passes
     */
    static String problem(String scheme, String host, String origin, String referer, String expected, String sent) {
        if (host == null || host.isBlank()) {
            return "the request has no Host header";
        }
        String self = (scheme == null ? "http" : scheme).toLowerCase(Locale.ROOT) + "://"
            + host.trim().toLowerCase(Locale.ROOT);
        if (origin != null) {
            if (!sameOrigin(self, origin)) {
                return "the form was sent from another site (Origin " + origin + ")";
            }
        } else if (referer != null) {
            if (!sameOrigin(self, referer)) {
                return "the form was sent from another site (Referer)";
            }
        } else {
            return "the browser sent neither Origin nor Referer; reload the page and try again";
        }
        if (expected == null) {
            return "the console session has expired; reload the page and try again";
        }
        if (sent == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
            sent.getBytes(StandardCharsets.UTF_8))) {
            return "the form's security token is missing or stale; reload the page and try again";
        }
        return null;
    }

    /** @return true when {@code url}'s scheme, host and port are those of {@code self} ({@code scheme://host[:port]}) */
    private static boolean sameOrigin(String self, String url) {
        try {
            URI u = URI.create(url.trim());
            if (u.getScheme() == null || u.getRawAuthority() == null || u.getRawUserInfo() != null) {
                return false;
            }
            String theirs = u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getRawAuthority().toLowerCase(Locale.ROOT);
            return normalise(theirs).equals(normalise(self));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Drops a default port, so {@code http://h:80} and {@code http://h} are one origin. */
    private static String normalise(String origin) {
        if (origin.startsWith("http://") && origin.endsWith(":80")) {
            return origin.substring(0, origin.length() - 3);
        }
        if (origin.startsWith("https://") && origin.endsWith(":443")) {
            return origin.substring(0, origin.length() - 4);
        }
        return origin;
    }
}
