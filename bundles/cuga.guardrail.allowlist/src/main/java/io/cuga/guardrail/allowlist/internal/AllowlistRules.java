package io.cuga.guardrail.allowlist.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** The compiled allowlist of one policy. Immutable. */
final class AllowlistRules implements Guardrail.Rules {

    /** Decision detail: the tool's effective risk tier name, the higher of its own and the policy's override. */
    static final String RISK = "risk";

    private final GlobList allow;
    private final GlobList deny;
    private final GlobList bundles;
    private final Map<String, RiskTier> risk;

    AllowlistRules(GlobList allow, GlobList deny, GlobList bundles, Map<String, RiskTier> risk) {
        this.allow = allow;
        this.deny = deny;
        this.bundles = bundles;
        this.risk = Collections.unmodifiableMap(new LinkedHashMap<>(risk)); // document order: the first problem is reported
    }

    @Override
    public Decision check(GuardedCall call) {
        ToolDescriptor tool = call.tool();
        String name = tool.name();
        Map<String, Object> details = Map.of(RISK, effectiveRisk(tool).name());
        String denied = deny.firstMatch(name);
        if (denied != null) {
            return new Decision(Verdict.DENY, AllowlistGuardrail.TYPE, "deny:" + denied,
                "tool '" + name + "' matches the deny pattern '" + denied + "'", details);
        }
        if (allow.firstMatch(name) == null) {
            return new Decision(Verdict.DENY, AllowlistGuardrail.TYPE, "allow",
                "tool '" + name + "' matches no pattern of the allow list " + allow, details);
        }
        if (bundles.firstMatch(tool.bundle()) == null) {
            return new Decision(Verdict.DENY, AllowlistGuardrail.TYPE, "bundles",
                "tool '" + name + "' comes from bundle '" + tool.bundle() + "', which matches no pattern of the allowed bundles "
                    + bundles, details);
        }
        return new Decision(Verdict.ALLOW, AllowlistGuardrail.TYPE, "", "", details);
    }

    /** @return the tool's own tier, raised (never lowered) by this policy's override */
    RiskTier effectiveRisk(ToolDescriptor tool) {
        RiskTier override = risk.get(tool.name());
        return override != null && override.compareTo(tool.risk()) > 0 ? override : tool.risk();
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof AllowlistRules)) {
            throw new PolicyException("", "the parent's allowlist rules are of another kind");
        }
        AllowlistRules p = (AllowlistRules) parent;
        List<String> childAllow = allow.patterns();
        for (int i = 0; i < childAllow.size(); i++) {
            if (GlobList.coveredBy(p.allow.patterns(), childAllow.get(i)) == null) {
                throw new PolicyException("/allow/" + i, "'" + childAllow.get(i) + "' is not within the parent's allow list "
                    + p.allow + ": a profile may only narrow the tools its parent allows");
            }
        }
        for (String parentDeny : p.deny.patterns()) {
            if (GlobList.coveredBy(deny.patterns(), parentDeny) == null) {
                throw new PolicyException("/deny", "the parent denies '" + parentDeny
                    + "': a profile may only add to its parent's deny list");
            }
        }
        List<String> childBundles = bundles.patterns();
        for (int i = 0; i < childBundles.size(); i++) {
            if (GlobList.coveredBy(p.bundles.patterns(), childBundles.get(i)) == null) {
                throw new PolicyException("/bundles/" + i, "'" + childBundles.get(i)
                    + "' is not within the parent's bundles " + p.bundles + ": a profile may only narrow them");
            }
        }
        for (Map.Entry<String, RiskTier> e : p.risk.entrySet()) {
            RiskTier mine = risk.get(e.getKey());
            if (mine == null || mine.compareTo(e.getValue()) < 0) {
                throw new PolicyException("/risk/" + PolicySection.escape(e.getKey()), "the parent sets '" + e.getKey() + "' to "
                    + e.getValue() + ": a profile may only raise a risk tier, not " + (mine == null ? "drop it" : "lower it to " + mine));
            }
        }
    }
}
