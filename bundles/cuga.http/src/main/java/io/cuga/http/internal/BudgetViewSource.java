package io.cuga.http.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.guardrail.budget.BudgetView;

/**
 * The only class of this bundle that uses the budget guardrail's exported package (imported with
 * {@code resolution:=optional}, see {@code bnd.bnd}). A component of its own with a mandatory reference: without
 * the budget bundle it is not satisfied, its class is never loaded, and {@link BudgetServlet} answers 503.
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
    public List<Map<String, Object>> budgets(String profile, String session) {
        List<BudgetUsage> usage = view.usage(profile, session);
        List<Map<String, Object>> out = new ArrayList<>(usage.size());
        for (BudgetUsage budget : usage) {
            out.add(json(budget));
        }
        return out;
    }

    /**
     * @param budget one budget's state
     * @return its JSON form; {@code remaining} is the ceiling less spent and reserved, never below zero
     */
    static Map<String, Object> json(BudgetUsage budget) {
        BigDecimal remaining = budget.ceiling().subtract(budget.spent()).subtract(budget.reserved())
            .max(BigDecimal.ZERO);
        Map<String, Object> out = new LinkedHashMap<>(10);
        out.put("kind", budget.kind());
        out.put("scope", budget.scope());
        out.put("spent", plain(budget.spent()));
        out.put("reserved", plain(budget.reserved()));
        out.put("ceiling", plain(budget.ceiling()));
        out.put("remaining", plain(remaining));
        out.put("warnRatio", budget.warnRatio());
        out.put("onExceed", budget.onExceed());
        out.put("exceedances", budget.exceedances());
        return out;
    }

    /**
     * @param amount an amount
     * @return the same amount without trailing zeros and never in exponent notation (JSON writes {@code 1000},
     *     not {@code 1E+3})
     */
    static BigDecimal plain(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
