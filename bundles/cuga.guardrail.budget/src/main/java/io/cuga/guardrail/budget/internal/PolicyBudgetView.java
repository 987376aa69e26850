package io.cuga.guardrail.budget.internal;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.guardrail.budget.BudgetView;

/**
 * What the budgets of the active policies have spent, for the budgets route. A component of its own: the
 * policy loader needs the budget guardrail to compile policies, so the guardrail itself must not need the
 * loader (SCR refuses such a circle).
 */
@Component(service = BudgetView.class)
public final class PolicyBudgetView implements BudgetView {

    private volatile PolicyService policies;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void setPolicies(PolicyService service) {
        this.policies = service;
    }

    void unsetPolicies(PolicyService service) {
        if (this.policies == service) {
            this.policies = null;
        }
    }

    @Override
    public List<BudgetUsage> usage(String profile, String session) {
        PolicyService service = policies;
        if (service == null || profile == null) {
            return List.of();
        }
        Guardrail.Rules rules = service.active(profile).map((Policy p) -> p.rules(BudgetGuardrail.TYPE)).orElse(null);
        return rules instanceof BudgetRules ? ((BudgetRules) rules).usage(session == null ? "" : session) : List.of();
    }
}
