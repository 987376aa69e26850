package io.cuga.guardrail.egress.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.policy.PolicyService;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** Policies, calls and a policy service as the loader and the orchestrator hand them to the guardrail. */
final class Fixtures {

    private Fixtures() {
    }

    /** Builds a section from alternating keys and values. */
    static Map<String, Object> section(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    static EgressRules rules(Object... keysAndValues) throws PolicyException {
        return (EgressRules) new EgressGuardrail().compile(section(keysAndValues), "default");
    }

    /** A call of a tool whose outbound arguments are {@code url} and {@code urls}. */
    record Call(Map<String, Object> arguments, List<String> outbound) implements GuardedCall {

        static Call of(Object... keysAndValues) {
            return new Call(section(keysAndValues), List.of("url", "urls"));
        }

        /** A call of a tool whose outbound entries are the given ones (argument names or fixed URLs). */
        static Call declaring(List<String> outbound, Object... keysAndValues) {
            return new Call(section(keysAndValues), outbound);
        }

        @Override
        public ToolDescriptor tool() {
            return new ToolDescriptor("http_get", "fetches", "{\"type\":\"object\"}", RiskTier.READ,
                outbound, 0, "cuga.tool.http", "1.0.0");
        }

        @Override
        public String profile() {
            return "default";
        }

        @Override
        public String session() {
            return "";
        }

        @Override
        public String caller() {
            return "tester";
        }

        @Override
        public String callId() {
            return "call-1";
        }

        @Override
        public String traceId() {
            return "4bf92f3577b34da6a3ce929d0e0e4736";
        }

        @Override
        public Instant startedAt() {
            return Instant.now();
        }

        @Override
        public boolean dryRun() {
            return false;
        }
    }

    /** An active policy with the compiled rules of the types it names. */
    record TestPolicy(String profile, Map<String, Guardrail.Rules> compiled) implements Policy {

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

    /** The active policies, one per profile. */
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
