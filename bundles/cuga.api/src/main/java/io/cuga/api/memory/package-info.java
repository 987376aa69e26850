/**
 * Memory for agents: text entries scoped by profile and session, with retention and search. Each backend
 * (in-memory, SQLite, PostgreSQL) is its own bundle providing {@link io.cuga.api.memory.MemoryStore} with service
 * property {@value io.cuga.api.memory.MemoryStore#BACKEND}. Text search today; an entry and a query may carry an
 * embedding so that semantic (vector) retrieval fits the same contract later.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.cuga.api.memory;
