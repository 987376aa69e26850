package io.cuga.guardrail.allowlist.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.GlobList;
import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;

/**
 * The {@code allowlist} guardrail: a call's tool must match {@code allow}, must not match {@code deny}, and its
 * contributing bundle must match {@code bundles}. Empty lists allow nothing (deny by default). Also states the
 * tool's effective risk tier (the tool's own, raised by a {@code risk} override) in the decision's details.
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = AllowlistGuardrail.TYPE, order = 100)
public final class AllowlistGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "allowlist";

    /** Creates the guardrail; it has no state of its own. */
    public AllowlistGuardrail() {
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("allow", "deny", "bundles", "risk");
        List<String> allow = root.strings("allow", List.of());
        List<String> deny = root.strings("deny", List.of());
        List<String> bundles = root.strings("bundles", List.of());
        Map<String, RiskTier> risk = new LinkedHashMap<>();
        PolicySection riskSection = root.object("risk");
        for (Map.Entry<String, Object> e : riskSection.entries().entrySet()) {
            String tool = e.getKey();
            String at = riskSection.path(tool);
            if (!Tool.NAME_PATTERN.matcher(tool).matches()) {
                throw new PolicyException(at, "'" + tool + "' is not a tool name (letters, digits, _ and -, 1 to 64)");
            }
            if (!(e.getValue() instanceof String)) {
                throw new PolicyException(at, "a risk tier must be a string, not " + PolicySection.describe(e.getValue()));
            }
            try {
                risk.put(tool, RiskTier.parse((String) e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new PolicyException(at, ex.getMessage());
            }
        }
        return new AllowlistRules(new GlobList(allow), new GlobList(deny), new GlobList(bundles), risk);
    }
}
