package io.cuga.guardrail.egress.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.net.EgressGuard;
import io.cuga.guardrail.egress.internal.Fixtures.Policies;
import io.cuga.guardrail.egress.internal.Fixtures.TestPolicy;

/**
 * The real egress guardrail as the framework would wire it, for the tests of bundles whose client connects
 * through it (cuga.tool.http, cuga.tool.openapi; this module's test jar): rules compiled by
 * {@link EgressGuardrail} from an egress section, held by an active policy of profile {@code default}, and the
 * {@link EgressGuardService} bound to a policy service holding that policy.
 */
public final class EgressFixture {

    private EgressFixture() {
    }

    /**
     * @param keysAndValues the egress section, as alternating keys and values
     * @return the guard under a policy of profile {@code default} with that section
     * @throws Exception when the section does not compile
     */
    public static EgressGuard guard(Object... keysAndValues) throws Exception {
        Map<String, Object> section = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            section.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        Guardrail.Rules rules = new EgressGuardrail().compile(section, "default");
        return new EgressGuardService(new Policies(Map.of("default", new TestPolicy("default",
            Map.of("egress", rules)))));
    }
}
