package io.cuga.guardrail.budget;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The budgets of a session: for each limit of the profile's active policy whose scope is the profile or the
 * session, how much is spent and reserved against its ceiling.
 */
@ProviderType
public interface BudgetView {

    /**
     * @param profile a profile
     * @param session a session, or an empty string for the calls without one
     * @return the profile- and session-scoped budgets of the profile's active policy, in policy order; empty
     *     when the profile has no active policy or its policy has no budget limits (task-scoped limits are
     *     per task and not listed)
     */
    List<BudgetUsage> usage(String profile, String session);
}
