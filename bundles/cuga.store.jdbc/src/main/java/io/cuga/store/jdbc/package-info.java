/**
 * The durable store over JDBC, shared by the SQLite and PostgreSQL bundles: {@link io.cuga.store.jdbc.JdbcStore}
 * implements the audit trail, the budget ledger and approvals of {@code io.cuga.api.store} over a
 * {@link javax.sql.DataSource} and a {@link io.cuga.store.jdbc.Dialect}; {@link io.cuga.store.jdbc.StoreServices}
 * registers one store's services.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.store.jdbc;
