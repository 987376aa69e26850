/**
 * What the budget guardrail tells others: the spent and reserved amounts against each ceiling of a profile's
 * active policy, for {@code GET /api/v1/budgets/{session}} and the console. Provided by
 * {@code cuga.guardrail.budget} as a {@link io.cuga.guardrail.budget.BudgetView} service.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.guardrail.budget;
