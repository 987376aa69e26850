package io.cuga.exporter.prometheus.internal;

import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.guardrail.budget.BudgetView;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * {@code cuga_budget_utilization_ratio{profile, kind}}: spent plus reserved over the ceiling of every
 * profile-scoped budget limit of the active policies, read from the budget guardrail's {@link BudgetView} before
 * each scrape (at most every {@value #MIN_REFRESH_MILLIS} ms, so a fast scraper does not hammer a shared ledger).
 * Session- and task-scoped limits are not series: their keys are unbounded. The budget guardrail's package is
 * imported optionally (bnd.bnd): without the budget bundle this component is never satisfied and the series is
 * absent.
 */
@Component(service = {})
public final class BudgetGauges {

    /** The least time between two reads of the ledger. */
    static final long MIN_REFRESH_MILLIS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(BudgetGauges.class);

    private final PrometheusMetrics metrics;
    private final PolicyService policies;
    private final BudgetView budgets;
    private final MultiGauge gauge;
    private final Runnable refresh = this::refreshIfDue;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private long refreshedAt;

    /**
     * @param metrics the registry's owner
     * @param policies the active policies (their profiles)
     * @param budgets the budgets of a profile
     */
    @Activate
    public BudgetGauges(@Reference PrometheusMetrics metrics, @Reference PolicyService policies,
        @Reference BudgetView budgets) {
        this.metrics = metrics;
        this.policies = policies;
        this.budgets = budgets;
        this.gauge = MultiGauge.builder("cuga.budget.utilization").baseUnit("ratio")
            .description("Spent plus reserved over the ceiling of each profile-scoped budget, by profile and kind "
                + "(calls, cost, tokens); 1 = exhausted")
            .register(metrics.registry());
        refresh(); // the series exist from the start
        metrics.beforeScrape(refresh);
    }

    @Deactivate
    void deactivate() {
        metrics.noLongerBeforeScrape(refresh);
        gauge.register(List.of(), true);
    }

    private synchronized void refreshIfDue() {
        long now = System.currentTimeMillis();
        if (now - refreshedAt >= MIN_REFRESH_MILLIS) {
            refresh();
        }
    }

    /** Reads the utilisation of every profile-scoped limit now. */
    synchronized void refresh() {
        refreshedAt = System.currentTimeMillis();
        Map<Tags, Double> ratios = new LinkedHashMap<>();
        for (Policy policy : policies.all()) {
            List<BudgetUsage> usages;
            try {
                usages = budgets.usage(policy.profile(), "");
            } catch (RuntimeException e) {
                // the ledger is unreachable (a database outage): keep the last values rather than drop the series
                if (warned.add(policy.profile())) {
                    LOG.warn("Budget utilisation of profile {} cannot be read: {}", policy.profile(), e.toString());
                }
                return;
            }
            warned.remove(policy.profile());
            for (BudgetUsage usage : usages) {
                if (!"profile".equals(usage.scope()) || usage.ceiling().signum() <= 0) {
                    continue;
                }
                double ratio = usage.spent().add(usage.reserved()).divide(usage.ceiling(), MathContext.DECIMAL64)
                    .doubleValue();
                // two limits of one kind: the closer one to its ceiling is the one that matters
                ratios.merge(Tags.of("profile", policy.profile(), "kind", usage.kind()), ratio, Math::max);
            }
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>(ratios.size());
        ratios.forEach((tags, ratio) -> rows.add(MultiGauge.Row.of(tags, ratio)));
        gauge.register(rows, true);
    }
}
