package io.cuga.http.internal;

import java.util.ArrayList;
import java.util.List;

/** Finds the route of a method and path by hand: a handful of routes, compared segment by segment. */
final class Router {

    private static final Route[] ROUTES = Route.values();

    private Router() {
    }

    /**
     * The result of routing.
     *
     * @param route the matched route, null when none matched
     * @param parameter the path parameter of the matched route, {@code ""} when it has none
     * @param allowed when the path matched but the method did not, the methods the path accepts (for 405);
     *     empty when nothing matched the path (404)
     */
    record Match(Route route, String parameter, List<String> allowed) {
    }

    /**
     * @param method the HTTP method
     * @param path the decoded path, starting with {@code /}
     * @return the match
     */
    static Match route(String method, String path) {
        String[] segments = split(path);
        List<String> allowed = null;
        for (Route route : ROUTES) {
            String parameter = route.match(segments);
            if (parameter == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match(route, parameter, List.of());
            }
            if (allowed == null) {
                allowed = new ArrayList<>(2);
            }
            if (!allowed.contains(route.method())) {
                allowed.add(route.method());
            }
        }
        return new Match(null, "", allowed == null ? List.of() : allowed);
    }

    /**
     * @param path a path starting with {@code /}
     * @return its segments without the leading empty one; a trailing slash gives a trailing empty segment
     */
    static String[] split(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return new String[] {""};
        }
        int count = 1;
        for (int i = 1; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                count++;
            }
        }
        String[] out = new String[count];
        int start = 1;
        int n = 0;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                out[n++] = path.substring(start, i);
                start = i + 1;
            }
        }
        return out;
    }
}
