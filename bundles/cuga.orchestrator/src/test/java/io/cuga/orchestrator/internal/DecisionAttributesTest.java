package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DecisionAttributesTest {

    @Test
    void aTimedDecisionIsTheMapItStandsForInItsOrder() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("guardrail", "egress");
        expected.put("verdict", "DENY");
        expected.put("rule", "blocked_address");
        expected.put("reason", "169.254.169.254 is link-local");
        expected.put("offsetNanos", 1200L);
        expected.put("durationNanos", 800L);
        Map<String, Object> d = new DecisionAttributes("egress", "DENY", "blocked_address",
            "169.254.169.254 is link-local", 1200L, 800L);

        assertThat(d).isEqualTo(expected).hasSameHashCodeAs(expected);
        assertThat(List.copyOf(d.keySet())).containsExactlyElementsOf(expected.keySet());
        assertThat(d.get(new String("rule"))).isEqualTo("blocked_address"); // not only the literal
        assertThat(d.get("absent")).isNull();
        assertThat(d.containsKey("durationNanos")).isTrue();
        assertThat(d.toString()).isEqualTo(expected.toString());
    }

    @Test
    void anUntimedDecisionHasNoTimesAndNoneOfItChanges() {
        Map<String, Object> d = new DecisionAttributes("allowlist", "ALLOW", "", "", null, null);
        assertThat(d).hasSize(4).containsOnlyKeys("guardrail", "verdict", "rule", "reason");
        assertThat(d.get("offsetNanos")).isNull();
        assertThatThrownBy(() -> d.put("verdict", "DENY")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> d.entrySet().iterator().next().setValue("x"))
            .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> d.clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
