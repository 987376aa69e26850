package io.cuga.tool.openapi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolException;
import io.cuga.tool.http.client.HttpFetcher;

/** The request an operation's arguments become. */
class RequestBuilderTest {

    private static final Operation SEARCH = new Operation("s_search", "search", "POST", "/repos/{owner}/{repo}/search",
        "d", "{}", RiskTier.WRITE, List.of(
            new Operation.Param("owner", Operation.In.PATH, true, false, false),
            new Operation.Param("repo", Operation.In.PATH, true, false, false),
            new Operation.Param("tag", Operation.In.QUERY, false, true, true),
            new Operation.Param("fields", Operation.In.QUERY, false, true, false),
            new Operation.Param("limit", Operation.In.QUERY, false, false, true),
            new Operation.Param("X-Trace", Operation.In.HEADER, false, false, false)),
        new Operation.Body("application/json", false));

    private static Map<String, Object> args(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    @Test
    void pathParametersAreEncodedQueryRepeatedOrJoinedHeadersAndBodySent() throws Exception {
        HttpFetcher.Request request = RequestBuilder.build(SEARCH, "http://api.test/v1", args(
            "owner", "a b/c", "repo", "ü?#", "tag", List.of("x&y", "z"), "fields", List.of("id", "name"),
            "limit", new BigDecimal("10.0"), "X-Trace", "t-1", "body", Map.of("q", "cats")), Map.of(
            "Authorization", "Bearer s3cret"));
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.url()).isEqualTo("http://api.test/v1/repos/a%20b%2Fc/%C3%BC%3F%23/search"
            + "?tag=x%26y&tag=z&fields=id,name&limit=10");
        assertThat(request.headers()).containsEntry("X-Trace", "t-1")
            .containsEntry("Content-Type", "application/json; charset=UTF-8")
            .containsEntry("Authorization", "Bearer s3cret");
        assertThat(request.body()).isEqualTo("{\"q\":\"cats\"}");
    }

    @Test
    void optionalArgumentsLeftOutAreNotSent() throws Exception {
        HttpFetcher.Request request = RequestBuilder.build(SEARCH, "http://api.test", args("owner", "o", "repo", "r"),
            Map.of());
        assertThat(request.url()).isEqualTo("http://api.test/repos/o/r/search");
        assertThat(request.body()).isNull();
        assertThat(request.headers()).doesNotContainKeys("Content-Type", "X-Trace", "Authorization");
    }

    @Test
    void aMissingRequiredArgumentOrAnObjectWhereAScalarGoesIsRefused() {
        ToolException missing = catchThrowableOfType(ToolException.class,
            () -> RequestBuilder.build(SEARCH, "http://api.test", args("owner", "o"), Map.of()));
        assertThat(missing.code()).isEqualTo("invalid_arguments");
        assertThat(missing.getMessage()).contains("'repo'");
        ToolException object = catchThrowableOfType(ToolException.class,
            () -> RequestBuilder.build(SEARCH, "http://api.test", args("owner", Map.of("a", 1), "repo", "r"),
                Map.of()));
        assertThat(object.code()).isEqualTo("invalid_arguments");
    }

    @Test
    void credentialsOverrideAHeaderArgumentOfTheSameName() throws Exception {
        HttpFetcher.Request request = RequestBuilder.build(SEARCH, "http://api.test", args("owner", "o", "repo", "r",
            "X-Trace", "mine"), Map.of("X-Trace", "key"));
        assertThat(request.headers()).containsEntry("X-Trace", "key");
    }
}
