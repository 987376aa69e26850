package io.cuga.guardrail.approval.internal;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;

/** The compiled approval section of one policy. Immutable. */
final class ApprovalRules implements Guardrail.Rules {

    /** Decision detail: how long the orchestrator waits for a human, in seconds; no decision in time = deny. */
    static final String TIMEOUT_SECONDS = "timeoutSeconds";

    private final Set<RiskTier> tiers;
    private final GlobList tools;
    private final long timeoutSeconds;
    private final Map<String, Object> details;

    ApprovalRules(Set<RiskTier> tiers, GlobList tools, long timeoutSeconds) {
        this.tiers = tiers.isEmpty() ? EnumSet.noneOf(RiskTier.class) : EnumSet.copyOf(tiers);
        this.tools = tools;
        this.timeoutSeconds = timeoutSeconds;
        this.details = Map.of(TIMEOUT_SECONDS, timeoutSeconds);
    }

    @Override
    public Decision check(GuardedCall call) {
        String name = call.tool().name();
        RiskTier tier = call.tool().risk();
        if (tiers.contains(tier)) {
            return new Decision(Verdict.REQUIRE_APPROVAL, ApprovalGuardrail.TYPE, "tier:" + tier.name(),
                "tool '" + name + "' is of risk tier " + tier.name() + ", which needs a human's approval", details);
        }
        String glob = tools.firstMatch(name);
        if (glob != null) {
            return new Decision(Verdict.REQUIRE_APPROVAL, ApprovalGuardrail.TYPE, "tool:" + glob,
                "tool '" + name + "' matches '" + glob + "', which needs a human's approval", details);
        }
        return Decision.allow();
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof ApprovalRules)) {
            throw new PolicyException("", "the parent's approval rules are of another kind");
        }
        ApprovalRules p = (ApprovalRules) parent;
        for (RiskTier tier : p.tiers) {
            if (!tiers.contains(tier)) {
                throw new PolicyException("/tiers", "the parent requires approval for tier " + tier.name()
                    + ": a profile may add tiers, not remove them");
            }
        }
        for (String glob : p.tools.patterns()) {
            if (GlobList.coveredBy(tools.patterns(), glob) == null) {
                throw new PolicyException("/tools", "the parent requires approval for tools matching '" + glob
                    + "': a profile may add tools, not remove them");
            }
        }
        if (timeoutSeconds > p.timeoutSeconds) {
            throw new PolicyException("/timeout_seconds", "the parent waits " + p.timeoutSeconds
                + " s for an approval: a profile may only shorten it, not lengthen it to " + timeoutSeconds + " s");
        }
    }
}
