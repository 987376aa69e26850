package io.cuga.webconsole.internal;

import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.guardrail.budget.BudgetView;

/**
 * The only class of this bundle that uses the budget guardrail's package (imported with
 * {@code resolution:=optional}, see {@code bnd.bnd}). A component of its own with a mandatory reference: without
 * the budget bundle it is not satisfied, its class is never loaded, and the Budgets page says so.
 */
@Component(service = BudgetSource.class)
public final class BudgetViewSource implements BudgetSource {

    private final BudgetView view;

    /** @param view the budget guardrail's view */
    @Activate
    public BudgetViewSource(@Reference BudgetView view) {
        this.view = view;
    }

    @Override
    public List<Row> budgets(String profile, String session) {
        List<BudgetUsage> usage = view.usage(profile, session);
        List<Row> rows = new ArrayList<>(usage.size());
        for (BudgetUsage u : usage) {
            rows.add(new Row(u.kind(), u.scope(), u.spent(), u.reserved(), u.ceiling(), u.warnRatio(),
                u.onExceed(), u.exceedances()));
        }
        return rows;
    }
}
