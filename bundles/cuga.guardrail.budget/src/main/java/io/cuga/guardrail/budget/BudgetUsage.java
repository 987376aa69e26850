package io.cuga.guardrail.budget;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One budget's state.
 *
 * @param kind {@code calls}, {@code cost} or {@code tokens}
 * @param scope {@code profile}, {@code session} or {@code task}
 * @param key the scope's value: the profile, session or task it counts
 * @param spent what settled calls used
 * @param reserved what calls in flight hold
 * @param ceiling the policy's ceiling; at the ceiling the budget is exhausted
 * @param warnRatio the share of the ceiling from which calls carry a warning
 * @param onExceed {@code block} or {@code warn}
 * @param exceedances how many calls passed over the ceiling in warn mode
 */
public record BudgetUsage(String kind, String scope, String key, BigDecimal spent, BigDecimal reserved,
    BigDecimal ceiling, double warnRatio, String onExceed, long exceedances) {

    /** Checks the fields. */
    public BudgetUsage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(scope, "scope");
        key = key == null ? "" : key;
        Objects.requireNonNull(spent, "spent");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(ceiling, "ceiling");
    }

    /** @return true when spent and reserved together reach the ceiling */
    public boolean exhausted() {
        return spent.add(reserved).compareTo(ceiling) >= 0;
    }
}
