package io.cuga.api.store;

import java.util.List;

/**
 * One page of audit records.
 *
 * @param records the records, newest first
 * @param next the {@link AuditQuery#beforeSeq()} of the next (older) page, 0 when this is the last
 */
public record AuditPage(List<AuditRecord> records, long next) {

    /** Copies the list. */
    public AuditPage {
        records = List.copyOf(records);
    }
}
