package io.cuga.guardrail.approval.internal;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;

/**
 * The {@code approval} guardrail: a call needs a human when its tool's risk tier is listed in {@code tiers} or
 * its name matches a glob of {@code tools}. It only decides; the waiting, the approvals API and the timeout
 * are the orchestrator's, which reads the timeout from the decision's details.
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = ApprovalGuardrail.TYPE, order = 600)
public final class ApprovalGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "approval";

    static final List<String> DEFAULT_TIERS = List.of("DELETE", "FINANCIAL");
    static final long DEFAULT_TIMEOUT_SECONDS = 300;
    static final long MAX_TIMEOUT_SECONDS = 86_400;

    /** Creates the guardrail; it has no state of its own. */
    public ApprovalGuardrail() {
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("tiers", "tools", "timeout_seconds");
        List<String> tierNames = root.strings("tiers", DEFAULT_TIERS);
        Set<RiskTier> tiers = EnumSet.noneOf(RiskTier.class);
        for (int i = 0; i < tierNames.size(); i++) {
            try {
                tiers.add(RiskTier.parse(tierNames.get(i)));
            } catch (IllegalArgumentException e) {
                throw new PolicyException(root.path("tiers") + "/" + i, e.getMessage());
            }
        }
        List<String> tools = root.strings("tools", List.of());
        long timeout = root.integer("timeout_seconds", DEFAULT_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS);
        return new ApprovalRules(tiers, new GlobList(tools), timeout);
    }
}
