package io.cuga.http.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A route of one of the servlets that serve a family of routes under their own whiteboard pattern
 * ({@link PolicyServlet}, {@link AuditServlet}, {@link BudgetServlet}, {@link ApprovalServlet}). The OpenAPI
 * document lists each under the servlet's name ({@code x-cuga-servlet}) with its role ({@code x-cuga-role}).
 */
interface Endpoint {

    /** @return the HTTP method */
    String method();

    /** @return the path template, OpenAPI style ({@code {id}} is a path parameter) */
    String template();

    /** @return the least role allowed */
    Role role();

    /**
     * @param <E> the route type
     * @param routes every route of a servlet
     * @param method the HTTP method
     * @param segments the request path's segments ({@link Router#split})
     * @return the route of that method and path
     * @throws ApiException 404 when no route has the path, 405 (with {@code Allow}) when none has the method
     */
    static <E extends Endpoint> E route(E[] routes, String method, String[] segments) {
        List<String> allowed = new ArrayList<>(2);
        for (E route : routes) {
            if (matches(Router.split(route.template()), segments)) {
                if (route.method().equals(method)) {
                    return route;
                }
                if (!allowed.contains(route.method())) {
                    allowed.add(route.method());
                }
            }
        }
        if (allowed.isEmpty()) {
            String shown = String.join("/", segments);
            shown = "/" + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown);
            throw new ApiException(404, "not_found", "no route for " + method + " " + shown,
                Map.of("method", method, "path", shown));
        }
        throw new ApiException(405, "method_not_allowed", "this route accepts " + String.join(", ", allowed),
            Map.of("allowed", allowed), Map.of("Allow", String.join(", ", allowed)));
    }

    private static boolean matches(String[] template, String[] segments) {
        if (template.length != segments.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            if (template[i].startsWith("{") ? segments[i].isEmpty() : !template[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }
}
