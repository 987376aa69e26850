package io.cuga.http.internal;

/**
 * Every route the API servlet serves. The OpenAPI document ({@code openapi.json}) lists exactly these; a unit test
 * holds the two together.
 */
enum Route {
    /** Liveness. */
    HEALTH("GET", "/health", Access.OPEN),
    /** Readiness. */
    READY("GET", "/ready", Access.OPEN),
    /** This API's OpenAPI document. */
    OPENAPI("GET", "/api/v1/openapi.json", Access.OPEN),
    /** Who the token belongs to. */
    WHOAMI("GET", "/api/v1/whoami", Access.AUTHENTICATED),
    /** The tools visible under the caller's profile. */
    TOOLS("GET", "/api/v1/tools", Access.AGENT),
    /** Every tracked tool with its state, and deployment problems. */
    TOOL_DIAGNOSTICS("GET", "/api/v1/tools/diagnostics", Access.ADMIN),
    /** The guarded call. */
    INVOKE("POST", "/api/v1/tools/{name}/invoke", Access.AGENT),
    /** A dry run of the guardrail chain. */
    EVALUATE("POST", "/api/v1/evaluate", Access.AGENT);

    /** Who may call a route. */
    enum Access {
        /** No token needed; a token, valid or not, is ignored. */
        OPEN(null),
        /** Any valid token. */
        AUTHENTICATED(Role.AGENT),
        /** Role agent or higher. */
        AGENT(Role.AGENT),
        /** Role approver or higher. */
        APPROVER(Role.APPROVER),
        /** Role admin. */
        ADMIN(Role.ADMIN);

        private final Role role;

        Access(Role role) {
            this.role = role;
        }

        /** @return the least role allowed, null for an open route */
        Role role() {
            return role;
        }
    }

    private final String method;
    private final String template;
    private final Access access;
    private final String[] segments;

    Route(String method, String template, Access access) {
        this.method = method;
        this.template = template;
        this.access = access;
        this.segments = template.substring(1).split("/");
    }

    String method() {
        return method;
    }

    /** @return the path template, OpenAPI style ({@code {name}} is a path parameter) */
    String template() {
        return template;
    }

    Access access() {
        return access;
    }

    /**
     * @param path the request path split at {@code /}, without the leading empty segment
     * @return the value of the path parameter ({@code ""} when the template has none), or null on no match
     */
    String match(String[] path) {
        if (path.length != segments.length) {
            return null;
        }
        String parameter = "";
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.charAt(0) == '{') {
                if (path[i].isEmpty()) {
                    return null;
                }
                parameter = path[i];
            } else if (!segment.equals(path[i])) {
                return null;
            }
        }
        return parameter;
    }
}
