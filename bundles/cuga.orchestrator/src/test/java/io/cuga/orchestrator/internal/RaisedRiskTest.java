package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** The allowlist's risk override reaches the guardrails after it (approval), and never lowers a tier. */
class RaisedRiskTest {

    private static GuardedCall call(RiskTier tier) {
        ToolDescriptor tool = new ToolDescriptor("wipe", "", "{}", tier, List.of(), 0, "b", "1.0.0");
        return new GuardrailChain.Call(tool, Map.of("a", 1), "p", "s", "c", "id", "t", false);
    }

    private static Decision allowWithRisk(String risk) {
        return new Decision(Verdict.ALLOW, "allowlist", "", "", Map.of("risk", risk));
    }

    @Test
    void aHigherTierInTheDecisionRaisesTheToolForLaterGuardrails() {
        GuardedCall call = call(RiskTier.WRITE);
        GuardedCall raised = GuardrailChain.raisedRisk(call, allowWithRisk("DELETE"));
        assertThat(raised.tool().risk()).isEqualTo(RiskTier.DELETE);
        assertThat(raised.tool().name()).isEqualTo("wipe");
        assertThat(raised.callId()).isEqualTo("id");
        assertThat(raised.arguments()).isEqualTo(call.arguments());
        assertThat(raised.startedAt()).isEqualTo(call.startedAt());
    }

    @Test
    void aLowerOrUnknownTierOrNoneChangesNothing() {
        GuardedCall call = call(RiskTier.DELETE);
        assertThat(GuardrailChain.raisedRisk(call, allowWithRisk("READ"))).isSameAs(call);
        assertThat(GuardrailChain.raisedRisk(call, allowWithRisk("NOPE"))).isSameAs(call);
        assertThat(GuardrailChain.raisedRisk(call, Decision.allow())).isSameAs(call);
    }
}
