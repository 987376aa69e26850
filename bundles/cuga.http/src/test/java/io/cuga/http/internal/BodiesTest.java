package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodiesTest {

    static Map<String, Object> parse(String body, long limit) {
        InputStream in = new BoundedInputStream(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
            limit);
        return Bodies.parseInvoke(in, limit);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "APPLICATION/JSON", "application/json;charset=utf-8",
        "application/json; charset=UTF-8", "application/json; charset=\"utf-8\"", "application/json;charset=utf8",
        "application/json; foo=bar"})
    void jsonMediaTypes(String type) {
        assertThat(Bodies.isJson(type)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "text/json", "application/jsonp", "application/json-patch+json", "text/plain",
        "application/json; charset=utf-16", "multipart/form-data; boundary=x"})
    void otherMediaTypes(String type) {
        assertThat(Bodies.isJson(type)).isFalse();
        assertThat(Bodies.isJson(null)).isFalse();
    }

    @Test
    void parsesArguments() {
        assertThat(parse("{\"arguments\":{\"a\":1}}", 100)).isEqualTo(Map.of("a", 1));
        assertThat(parse("  ", 100)).isEmpty();
        assertThat(parse("{}", 100)).isEmpty();
    }

    @Test
    void theLimitCountsBytesNotCharacters() {
        String body = "{\"arguments\":{\"t\":\"\u00e9\u00e9\"}}"; // 4 bytes for 2 characters
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        assertThat(parse(body, bytes)).containsEntry("t", "\u00e9\u00e9");
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(body, bytes - 1));
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.code()).isEqualTo("body_too_large");
    }

    @Test
    void deepNestingIsRefusedAsMalformed() {
        String deep = "{\"arguments\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}";
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(deep, 1_000_000));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("malformed_json");
    }

    @Test
    void aHugeUnknownFieldNameIsClipped() {
        String name = "k".repeat(10_000);
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse("{\"" + name + "\":1}", 1_000_000));
        assertThat(e.code()).isEqualTo("unknown_field");
        assertThat(e.getMessage().length()).isLessThan(300);
    }

    @Test
    void malformedJsonReportsWhere() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse("{\"arguments\": {,}}", 100));
        assertThat(e.code()).isEqualTo("malformed_json");
        assertThat(e.details()).containsEntry("line", 1).containsEntry("column", 16);
        assertThatThrownBy(() -> parse("{\"arguments\": {}}}", 100)).isInstanceOf(ApiException.class)
            .hasMessageContaining("not valid JSON");
    }

    @Test
    void retryAfterRoundsUp() {
        assertThat(ApiServlet.retryAfter(1.2)).isEqualTo("2");
        assertThat(ApiServlet.retryAfter(3)).isEqualTo("3");
        assertThat(ApiServlet.retryAfter(0)).isEqualTo("1");
        assertThat(ApiServlet.retryAfter("7")).isEqualTo("7");
        assertThat(ApiServlet.retryAfter("soon")).isNull();
        assertThat(ApiServlet.retryAfter(null)).isNull();
    }

    @Test
    void bearerParsing() {
        assertThat(Auth.bearer("Bearer abc")).isEqualTo("abc");
        assertThat(Auth.bearer("BEARER  abc ")).isEqualTo("abc");
        assertThat(Auth.bearer("Bearer ")).isNull();
        assertThat(Auth.bearer("Basic abc")).isNull();
        assertThat(Auth.bearer("Bearerabc")).isNull();
        assertThat(Auth.bearer(null)).isNull();
    }
}
