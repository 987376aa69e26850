package io.cuga.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsEveryKindOfValue() {
        Object v = Json.parse("""
                {"s": "a\\"b\\u00e9\\n", "n": -12, "d": 1.5e2, "t": true, "f": false, "z": null,
                 "a": [1, [], {}], /* block */ "e": ""}""");

        assertThat(v).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat(List.copyOf(m.keySet())).isEqualTo(List.of("s", "n", "d", "t", "f", "z", "a", "e"));
        assertThat(m.get("s")).isEqualTo("a\"b\u00e9\n");
        assertThat(m.get("n")).isEqualTo(-12L);
        assertThat(m.get("d")).isEqualTo(150.0);
        assertThat(m.get("t")).isEqualTo(true);
        assertThat(m.get("f")).isEqualTo(false);
        assertThat(m.containsKey("z") && m.get("z") == null).isTrue();
        assertThat(m.get("a")).isEqualTo(List.of(1L, List.of(), Map.of()));
        assertThat(m.get("e")).isEqualTo("");
    }

    @Test
    void reportsWhereTheTextGoesWrong() {
        assertThatThrownBy(() -> Json.parse("[1,\n 2,,]")).hasMessage("line 2, column 4: unexpected character ','");
        assertThatThrownBy(() -> Json.parse("{\"a\": 1, \"a\": 2}")).hasMessageContaining("duplicate member \"a\"");
        assertThatThrownBy(() -> Json.parse("\"open")).hasMessageContaining("unterminated string");
        assertThatThrownBy(() -> Json.parse("{} {}")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("unexpected end");
        assertThatThrownBy(() -> Json.parse("/* never closed")).hasMessageContaining("unterminated comment");
    }
}
