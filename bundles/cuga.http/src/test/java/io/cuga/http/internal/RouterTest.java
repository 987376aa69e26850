package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouterTest {

    @ParameterizedTest
    @CsvSource({
        "GET, /health, HEALTH, ''",
        "GET, /ready, READY, ''",
        "GET, /api/v1/openapi.json, OPENAPI, ''",
        "GET, /api/v1/whoami, WHOAMI, ''",
        "GET, /api/v1/tools, TOOLS, ''",
        "GET, /api/v1/tools/diagnostics, TOOL_DIAGNOSTICS, ''",
        "POST, /api/v1/tools/calculator/invoke, INVOKE, calculator",
        "POST, /api/v1/tools/diagnostics/invoke, INVOKE, diagnostics",
        "POST, /api/v1/tools/a.b-c_d/invoke, INVOKE, a.b-c_d"})
    void routesMatch(String method, String path, Route route, String parameter) {
        Router.Match match = Router.route(method, path);
        assertThat(match.route()).isEqualTo(route);
        assertThat(match.parameter()).isEqualTo(parameter);
        assertThat(match.allowed()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"GET, /", "GET, /api", "GET, /api/v1", "GET, /api/v1/", "GET, /api/v1/tools/",
        "POST, /api/v1/tools//invoke", "GET, //health", "GET, /health/", "GET, /HEALTH", "GET, ''",
        "POST, /api/v1/tools/x/invoke/", "GET, /api/v1/tools/x/y/invoke"})
    void unknownPathsMatchNothing(String method, String path) {
        Router.Match match = Router.route(method, path);
        assertThat(match.route()).isNull();
        assertThat(match.allowed()).isEmpty();
    }

    @Test
    void wrongMethodsListTheAllowedOnes() {
        assertThat(Router.route("POST", "/health").allowed()).containsExactly("GET");
        assertThat(Router.route("DELETE", "/api/v1/tools").allowed()).containsExactly("GET");
        assertThat(Router.route("GET", "/api/v1/tools/calculator/invoke").allowed()).containsExactly("POST");
        assertThat(Router.route("get", "/health").allowed()).containsExactly("GET");
    }

    @Test
    void splitKeepsEmptySegments() {
        assertThat(Router.split("/a/b")).containsExactly("a", "b");
        assertThat(Router.split("/a/")).containsExactly("a", "");
        assertThat(Router.split("/")).containsExactly("");
        assertThat(Router.split("//x")).containsExactly("", "x");
    }

    @Test
    void everyRouteHasAnAccessAndAValidTemplate() {
        for (Route route : Route.values()) {
            assertThat(route.template()).startsWith("/").doesNotEndWith("/");
            assertThat(route.method()).isIn("GET", "POST", "PUT", "DELETE");
            assertThat(route.access()).isNotNull();
        }
        assertThat(Route.HEALTH.access()).isEqualTo(Route.Access.OPEN);
        assertThat(Route.TOOL_DIAGNOSTICS.access().role()).isEqualTo(Role.ADMIN);
        assertThat(Route.INVOKE.access().role()).isEqualTo(Role.AGENT);
    }
}
