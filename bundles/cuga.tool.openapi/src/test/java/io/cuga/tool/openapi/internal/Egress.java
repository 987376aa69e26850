package io.cuga.tool.openapi.internal;

import java.lang.reflect.Field;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.cuga.guardrail.egress.internal.EgressGuardService;
import io.cuga.guardrail.egress.internal.EgressGuardrail;

/**
 * The real egress guardrail, as the framework would wire it: rules compiled by {@link EgressGuardrail} from an
 * egress section, held by an active policy of profile {@code default}, and the {@link EgressGuardService} bound
 * to a policy service holding that policy.
 */
final class Egress {

    private Egress() {
    }

    /** @return the guard under a policy whose egress section is built from alternating keys and values */
    static EgressGuard guard(Object... keysAndValues) throws Exception {
        Map<String, Object> section = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            section.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        Guardrail.Rules rules = new EgressGuardrail().compile(section, "default");
        Policy policy = new ActivePolicy("default", Map.of("egress", rules));
        EgressGuardService guard = new EgressGuardService();
        // what SCR does for the dynamic reference
        Field field = EgressGuardService.class.getDeclaredField("policies");
        field.setAccessible(true);
        field.set(guard, new Policies(Map.of("default", policy)));
        return guard;
    }

    record ActivePolicy(String profile, Map<String, Guardrail.Rules> compiled) implements Policy {

        @Override
        public long version() {
            return 1;
        }

        @Override
        public String digest() {
            return "sha256:00";
        }

        @Override
        public String source() {
            return "api";
        }

        @Override
        public String author() {
            return "tester";
        }

        @Override
        public Instant activatedAt() {
            return Instant.EPOCH;
        }

        @Override
        public List<String> guardrails() {
            return List.copyOf(compiled.keySet());
        }

        @Override
        public Guardrail.Rules rules(String type) {
            return compiled.get(type);
        }

        @Override
        public Map<String, Object> document() {
            return Map.of("profile", profile);
        }
    }

    record Policies(Map<String, Policy> byProfile) implements PolicyService {

        @Override
        public Optional<Policy> active(String profile) {
            return Optional.ofNullable(byProfile.get(profile));
        }

        @Override
        public List<Policy> all() {
            return List.copyOf(byProfile.values());
        }
    }
}
