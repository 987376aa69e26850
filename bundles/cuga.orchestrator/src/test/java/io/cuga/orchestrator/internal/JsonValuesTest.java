package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonValuesTest {

    @Test
    void jsonCompatibleValuesPass() {
        Map<String, Object> nested = new HashMap<>();
        nested.put("n", null);
        nested.put("list", Arrays.asList(1, 2.5, "x", true, null, Map.of("k", List.of())));
        assertThat(JsonValues.check(nested, 100)).isNull();
        assertThat(JsonValues.check(null, 1)).isNull();
        assertThat(JsonValues.check(42L, 1)).isNull();
    }

    @Test
    void otherValuesAreNamed() {
        assertThat(JsonValues.check(new Object(), 10)).contains("java.lang.Object");
        assertThat(JsonValues.check(Map.of(1, "x"), 10)).contains("not a string");
        assertThat(JsonValues.check(Double.NaN, 10)).contains("NaN");
        assertThat(JsonValues.check(List.of(Double.POSITIVE_INFINITY), 10)).contains("Infinity");
    }

    @Test
    void sizeIsBounded() {
        List<Object> big = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            big.add(i);
        }
        assertThat(JsonValues.check(big, 101)).isNull();
        assertThat(JsonValues.check(big, 100)).contains("more than 100");
    }
}
