package io.cuga.webconsole.internal;

import java.math.BigDecimal;
import java.util.List;

/**
 * The budgets of a profile and session, as the Budgets page shows them. Bundle-internal: provided by
 * {@link BudgetViewSource} only while the budget guardrail's view is there.
 */
public interface BudgetSource {

    /**
     * One budget's state.
     *
     * @param kind {@code calls}, {@code cost} or {@code tokens}
     * @param scope {@code profile} or {@code session}
     * @param spent what settled calls used
     * @param reserved what calls in flight hold
     * @param ceiling the ceiling
     * @param warnRatio the share of the ceiling from which calls carry a warning
     * @param onExceed {@code block} or {@code warn}
     * @param exceedances calls that passed the ceiling in warn mode
     */
    record Row(String kind, String scope, BigDecimal spent, BigDecimal reserved, BigDecimal ceiling,
        double warnRatio, String onExceed, long exceedances) {

        /** @return ceiling less spent and reserved, never below zero */
        BigDecimal remaining() {
            return ceiling.subtract(spent).subtract(reserved).max(BigDecimal.ZERO);
        }

        /** @return spent and reserved as a share of the ceiling, 0 to 1 (1 for a zero ceiling) */
        double used() {
            if (ceiling.signum() <= 0) {
                return 1.0;
            }
            return Math.min(1.0, spent.add(reserved).doubleValue() / ceiling.doubleValue());
        }
    }

    /**
     * @param profile a profile
     * @param session a session, empty for calls without one
     * @return its profile- and session-scoped budgets, in policy order; empty when it has none
     */
    List<Row> budgets(String profile, String session);
}
