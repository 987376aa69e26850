package io.cuga.guardrail.budget.internal;

/**
 * What one ledger entry counts: a kind of amount, in one scope, of one profile. The ceiling is not part of
 * the key: a reloaded policy with another ceiling keeps what was spent.
 *
 * @param profile the profile
 * @param kind calls, cost or tokens
 * @param scope profile, session or task
 * @param value the session or task ("" for the profile scope, and for calls without a session)
 */
record LedgerKey(String profile, Limit.Kind kind, Limit.Scope scope, String value) {
}
