package io.cuga.policy.internal;

import java.util.List;

import io.cuga.api.policy.PolicyAdmin;

/**
 * Where activations are kept, with the bytes of each document (for rollback). The seam for durable history:
 * today {@link MemoryHistory} (bounded, lost on restart); the store issue provides one that survives restarts
 * and keeps the audit trail, and versions then continue across restarts through {@link #lastVersion(String)}.
 * Called on the loader thread to record, from any thread to read.
 */
interface PolicyHistory {

    /**
     * @param revision an activation
     * @param document the activated document's bytes
     */
    void record(PolicyAdmin.Revision revision, byte[] document);

    /**
     * @param profile a profile
     * @return its activations, newest first
     */
    List<PolicyAdmin.Revision> list(String profile);

    /**
     * @param profile a profile
     * @param version a version
     * @return the bytes of that version's document, or null when it is not (or no longer) kept
     */
    byte[] document(String profile, long version);

    /**
     * @param profile a profile
     * @return the highest version ever recorded for it, 0 when none
     */
    long lastVersion(String profile);

    /** @return the profiles with at least one activation recorded */
    List<String> profiles();
}
