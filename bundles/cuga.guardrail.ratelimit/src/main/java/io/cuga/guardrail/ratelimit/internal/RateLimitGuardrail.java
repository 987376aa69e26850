package io.cuga.guardrail.ratelimit.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * The {@code ratelimit} guardrail: token buckets per rule (a tool glob) and per profile, session or caller.
 * The buckets belong to this component, not to a compiled policy, so a policy reload keeps the state of every
 * rule it did not change.
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = RateLimitGuardrail.TYPE, order = 400)
public final class RateLimitGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "ratelimit";

    static final BigDecimal MAX_RATE = BigDecimal.valueOf(1_000_000);
    static final long MAX_BURST = 1_000_000_000L;

    private final BucketStore store;

    /** Creates the guardrail on the system's monotonic clock. */
    public RateLimitGuardrail() {
        this(System::nanoTime);
    }

    RateLimitGuardrail(LongSupplier nanoClock) {
        this.store = new BucketStore(nanoClock);
    }

    BucketStore store() {
        return store;
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("rules");
        List<RateRule> rules = new ArrayList<>();
        List<PolicySection> entries = root.objects("rules");
        for (int i = 0; i < entries.size(); i++) {
            PolicySection r = entries.get(i).only("tool", "scope", "per_second", "burst");
            String tool = r.string("tool", null);
            String scopeName = r.string("scope", "profile");
            RateRule.Scope scope;
            try {
                scope = RateRule.Scope.valueOf(scopeName.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new PolicyException(r.path("scope"), "scope must be one of profile, session, caller, not '" + scopeName + "'");
            }
            BigDecimal rate = r.number("per_second", null, BigDecimal.ZERO, MAX_RATE);
            if (rate.signum() == 0) {
                throw new PolicyException(r.path("per_second"), "per_second must be greater than 0");
            }
            long burst = r.integer("burst", null, 1, MAX_BURST);
            for (RateRule other : rules) {
                if (other.tool().equals(tool) && other.scope() == scope) {
                    throw new PolicyException(r.path(), "a rule for tool '" + tool + "' per " + scope.key()
                        + " is already at /rules/" + other.index() + "; one rule per tool pattern and scope");
                }
            }
            rules.add(new RateRule(i, tool, scope, rate.doubleValue(), burst));
        }
        return new RateLimitRules(profile, rules, store);
    }
}
