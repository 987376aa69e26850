package io.cuga.guardrail.budget.internal;

import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.StoreUnavailableException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * The {@code budget} guardrail: calls, cost and tokens per profile, session or task. A call reserves on every
 * limit before it runs, atomically, and settles (or releases) when it has ended, so concurrent calls never
 * overspend. The amounts live in the store's {@link BudgetLedger} (SQLite or PostgreSQL, shared by replicas),
 * not in the compiled rules, so a policy reload or a restart keeps them.
 * ({@link PolicyBudgetView} shows what the active policies' budgets have spent.)
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = BudgetGuardrail.TYPE, order = 500)
public final class BudgetGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "budget";

    static final BigDecimal DEFAULT_WARN_RATIO = new BigDecimal("0.8");

    /** The ledger this guardrail was made with (tests, the offline policy check), or null: the service's. */
    private final BudgetLedger fixed;

    /** The store's ledger, shared by every replica on its database. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile BudgetLedger service;

    /**
     * Creates the guardrail as the server runs it (Declarative Services): it counts in the store's
     * {@link BudgetLedger} service; while there is none, calls that a budget governs are refused (the store is
     * unavailable), never counted somewhere else.
     *
     * @param properties the component's properties (only marks this as the framework's constructor)
     */
    @Activate
    public BudgetGuardrail(Map<String, Object> properties) {
        this.fixed = null;
    }

    /**
     * Creates the guardrail for use outside the server ({@link java.util.ServiceLoader}: the offline policy
     * check, the benchmarks), counting in memory.
     */
    public BudgetGuardrail() {
        this(new InMemoryBudgetLedger(System::currentTimeMillis));
    }

    BudgetGuardrail(BudgetLedger ledger) {
        this.fixed = ledger;
    }

    private BudgetLedger ledger() {
        if (fixed != null) {
            return fixed;
        }
        BudgetLedger ledger = service;
        if (ledger == null) {
            throw new StoreUnavailableException("no budget ledger is running (is a store bundle installed and "
                + "configured? see GET /ready)");
        }
        return ledger;
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("limits");
        List<Limit> limits = new ArrayList<>();
        List<PolicySection> entries = root.objects("limits");
        for (int i = 0; i < entries.size(); i++) {
            PolicySection s = entries.get(i).only("kind", "scope", "ceiling", "warn_ratio", "on_exceed", "escalation", "estimate");
            Limit.Kind kind = choice(s, "kind", null, Limit.Kind.class, "calls, cost, tokens");
            Limit.Scope scope = choice(s, "scope", null, Limit.Scope.class, "profile, session, task");
            long ceiling = amount(s, "ceiling", null, kind);
            BigDecimal ratio = s.number("warn_ratio", DEFAULT_WARN_RATIO, BigDecimal.ZERO, BigDecimal.ONE);
            String onExceed = s.string("on_exceed", "block");
            if (!onExceed.equals("block") && !onExceed.equals("warn")) {
                throw new PolicyException(s.path("on_exceed"), "on_exceed must be block or warn, not '" + onExceed + "'");
            }
            boolean warnMode = onExceed.equals("warn");
            long escalation = s.integer("escalation", 0L, 0, Integer.MAX_VALUE);
            if (escalation > 0 && !warnMode) {
                throw new PolicyException(s.path("escalation"),
                    "escalation counts warn-mode exceedances: it needs on_exceed: warn (block blocks at once)");
            }
            long estimate;
            if (kind == Limit.Kind.CALLS) {
                if (s.has("estimate")) {
                    throw new PolicyException(s.path("estimate"), "a call reserves exactly one call: estimate is for cost and tokens");
                }
                estimate = Units.ONE;
            } else {
                estimate = amount(s, "estimate", BigDecimal.ZERO, kind);
            }
            for (Limit other : limits) {
                if (other.kind() == kind && other.scope() == scope) {
                    throw new PolicyException(s.path(), "a " + kind.key() + " limit per " + scope.key() + " is already at /limits/"
                        + other.index() + "; one limit per kind and scope");
                }
            }
            long warnAt = BigDecimal.valueOf(ceiling).multiply(ratio).setScale(0, RoundingMode.CEILING).longValueExact();
            limits.add(new Limit(i, kind, scope, ceiling, ratio.doubleValue(), warnAt, warnMode, escalation, estimate));
        }
        return new BudgetRules(profile, limits, this::ledger);
    }

    private static <E extends Enum<E>> E choice(PolicySection s, String key, String fallback, Class<E> type, String expected)
        throws PolicyException {
        String value = s.string(key, fallback);
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PolicyException(s.path(key), key + " must be one of " + expected + ", not '" + value + "'");
        }
    }

    /** @return a non-negative amount in units: whole for calls and tokens, at most six decimals for cost */
    private static long amount(PolicySection s, String key, BigDecimal fallback, Limit.Kind kind) throws PolicyException {
        BigDecimal value = s.number(key, fallback, BigDecimal.ZERO, Units.MAX);
        if (kind != Limit.Kind.COST && value.stripTrailingZeros().scale() > 0) {
            throw new PolicyException(s.path(key), key + " of " + kind.key() + " must be a whole number, not " + value.toPlainString());
        }
        long units = Units.exact(value);
        if (units < 0) {
            throw new PolicyException(s.path(key), key + " may have at most six decimals, not " + value.toPlainString());
        }
        return units;
    }
}
