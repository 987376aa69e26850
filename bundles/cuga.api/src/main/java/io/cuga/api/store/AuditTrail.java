package io.cuga.api.store;

import java.util.List;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The audit trail: append-only, hash-chained, durable. Several replicas on one database append to one chain.
 */
@ProviderType
public interface AuditTrail {

    /**
     * Appends records, in order, and returns when they are durable (committed and, for SQLite, synced). The
     * store assigns positions and hashes. Concurrent appends may be committed together (group commit); each
     * caller still returns only after its own records are durable.
     *
     * @param records the records, with {@code seq} 0 and empty hashes
     * @return the records as appended, with their positions and hashes
     * @throws StoreUnavailableException when they could not be made durable; then none of them is
     */
    List<AuditRecord> append(List<AuditRecord> records);

    /**
     * @param query filters and paging
     * @return the matching records, newest first
     * @throws StoreUnavailableException when the database cannot be read
     */
    AuditPage query(AuditQuery query);

    /**
     * Walks the whole chain from the first record and checks every hash.
     *
     * @return what was found
     * @throws StoreUnavailableException when the database cannot be read
     */
    ChainVerification verify();

    /**
     * Streams records after a position, oldest first, for log shipping.
     *
     * @param afterSeq the position to start after (0 = from the first record)
     * @param limit at most this many records
     * @param sink receives each record
     * @return the position of the last record streamed, or {@code afterSeq} when there was none
     * @throws StoreUnavailableException when the database cannot be read
     */
    long export(long afterSeq, int limit, Consumer<AuditRecord> sink);
}
