package io.cuga.guardrail.schema.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/** The compiled schema section of one policy: the policy's own schemas, by tool. Immutable. */
final class SchemaRules implements Guardrail.Rules {

    private final Map<String, PolicySchema> schemas;

    SchemaRules(Map<String, PolicySchema> schemas) {
        this.schemas = Collections.unmodifiableMap(new LinkedHashMap<>(schemas)); // document order, for errors
    }

    @Override
    public Decision check(GuardedCall call) {
        String tool = call.tool().name();
        PolicySchema schema = schemas.get(tool);
        if (schema == null) {
            return Decision.allow();
        }
        List<Map<String, Object>> violations = schema.validate(call.arguments());
        if (violations.isEmpty()) {
            return Decision.allow();
        }
        Map<String, Object> first = violations.get(0);
        String field = (String) first.get("field");
        String where = field.isEmpty() ? "the arguments" : "argument '" + field + "'";
        String reason = where + " of tool '" + tool + "' fails the policy's schema: " + first.get("message")
            + (violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "");
        return new Decision(Verdict.DENY, SchemaGuardrail.TYPE, "tools/" + tool, reason,
            Map.of("field", field, "violations", violations));
    }

    @Override
    public void checkTightens(Guardrail.Rules parent) throws PolicyException {
        if (!(parent instanceof SchemaRules)) {
            throw new PolicyException("", "the parent's schema rules are of another kind");
        }
        for (String tool : ((SchemaRules) parent).schemas.keySet()) {
            if (!schemas.containsKey(tool)) {
                throw new PolicyException("/tools/" + PolicySection.escape(tool), "the parent sets a schema for '" + tool
                    + "': a profile may replace it with another schema, but not drop it back to the tool's own");
            }
        }
    }
}
