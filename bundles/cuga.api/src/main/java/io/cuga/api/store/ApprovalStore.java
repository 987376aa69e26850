package io.cuga.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Approvals, shared by every replica on one database: a call waiting on one replica is released by a decision
 * made on another. Decisions are compare-and-set: of two approvers deciding at once, one wins and the other is
 * told the approval is no longer pending.
 */
@ProviderType
public interface ApprovalStore {

    /**
     * Stores a new pending approval.
     *
     * @param approval the approval, {@link Approval.Status#PENDING}
     * @return the approval as stored
     * @throws StoreUnavailableException when the store cannot be reached
     */
    Approval create(Approval approval);

    /**
     * @param id the approval's id
     * @return the approval, empty when there is none of that id
     * @throws StoreUnavailableException when the store cannot be reached
     */
    Optional<Approval> get(String id);

    /**
     * @param status only approvals in this status, null for all
     * @param limit at most this many, newest first
     * @return the approvals
     * @throws StoreUnavailableException when the store cannot be reached
     */
    List<Approval> list(Approval.Status status, int limit);

    /**
     * Decides a pending approval, if it is still pending and has not expired at {@code now}.
     *
     * @param id the approval's id
     * @param status {@link Approval.Status#APPROVED} or {@link Approval.Status#REJECTED}
     * @param decidedBy the approver
     * @param reason the approver's reason
     * @param now the decision's time
     * @return the approval after the attempt: decided by this call, or as it already stood (the caller compares
     *     {@code decidedBy} and status); empty when there is none of that id
     * @throws StoreUnavailableException when the store cannot be reached
     */
    Optional<Approval> decide(String id, Approval.Status status, String decidedBy, String reason, Instant now);

    /**
     * Marks every pending approval whose expiry is at or before {@code now} as expired.
     *
     * @param now the time
     * @return the approvals this call expired
     * @throws StoreUnavailableException when the store cannot be reached
     */
    List<Approval> expire(Instant now);

    /**
     * Records how the approved (or denied) call ended.
     *
     * @param id the approval's id
     * @param outcome JSON-compatible: {@code status}, {@code result} or {@code error}
     * @throws StoreUnavailableException when the store cannot be reached
     */
    void recordOutcome(String id, Map<String, Object> outcome);
}
