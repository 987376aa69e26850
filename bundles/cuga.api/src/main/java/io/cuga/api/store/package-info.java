/**
 * Durable state, behind one SPI with one implementation per database (SQLite, the embedded default, and
 * PostgreSQL, for several replicas sharing one database): the audit trail, the budget ledger, approvals and
 * (since 1.1, {@link io.cuga.api.store.TaskStore}) the agents' tasks and sessions. Since 1.2 a budget
 * {@link io.cuga.api.store.BudgetLedger.Reservation} carries the id of its hold, and a
 * {@link io.cuga.api.store.TaskStore} tells its instance and whether another instance is still there.
 *
 * <p>Every operation is durable when it returns. A store that cannot reach its database throws
 * {@link io.cuga.api.store.StoreUnavailableException}; callers fail closed on it (the call is refused with 503,
 * nothing runs unaudited). A store also registers a {@link io.cuga.api.health.ReadinessCheck} named
 * {@code store}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.cuga.api.store;
