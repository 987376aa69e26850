package io.cuga.http.internal;

import java.util.List;
import java.util.Map;

/**
 * Bundle-internal: the budgets of a profile and session, already shaped for JSON. {@link BudgetViewSource}
 * provides it while the budget guardrail's {@code BudgetView} runs; only that class touches the budget bundle's
 * package, so this bundle resolves and {@link BudgetServlet} answers (503) without it.
 */
interface BudgetSource {

    /**
     * @param profile the profile
     * @param session the session, empty for calls without one
     * @return one map per budget: {@code kind, scope, spent, reserved, ceiling, remaining, warnRatio, onExceed,
     *     exceedances}, in policy order; empty when the profile has no budget limits
     */
    List<Map<String, Object>> budgets(String profile, String session);
}
