package io.cuga.api.dispatch;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import io.cuga.api.store.Approval;

/**
 * The human side of approvals, provided by the orchestrator: list what waits, and approve or reject it. A
 * decision releases the waiting call (on whichever replica it waits), is written to the audit trail with who
 * made it, when and why, and is published as an event. Approvals are made by the API's approvers; the requester
 * of a call can never approve it.
 */
@ProviderType
public interface Approvals {

    /**
     * @param status only approvals in this status, null for all
     * @param limit at most this many, newest first, 1 to 1000
     * @return the approvals, arguments redacted
     * @throws io.cuga.api.store.StoreUnavailableException when the store cannot be reached
     */
    List<Approval> list(Approval.Status status, int limit);

    /**
     * @param id the approval's id
     * @return the approval (with the call's outcome once it has one), empty when there is none of that id
     * @throws io.cuga.api.store.StoreUnavailableException when the store cannot be reached
     */
    Optional<Approval> get(String id);

    /**
     * Approves or rejects a pending approval.
     *
     * @param id the approval's id
     * @param approve true to approve, false to reject
     * @param approver the authenticated approver
     * @param reason why, required (not blank)
     * @return the approval as this decision left it
     * @throws ApprovalException when there is no such approval, it is no longer pending (decided or expired),
     *     the approver is its requester, or the reason is blank
     * @throws io.cuga.api.store.StoreUnavailableException when the store cannot be reached
     */
    Approval decide(String id, boolean approve, String approver, String reason) throws ApprovalException;

    /** Why an approval could not be decided. */
    final class ApprovalException extends Exception {

        private static final long serialVersionUID = 1L;

        /** What went wrong, for the HTTP status: not found 404, not pending 409, self approval 403, bad 400. */
        public enum Problem {
            /** No approval of that id. */
            NOT_FOUND,
            /** Already decided or expired. */
            NOT_PENDING,
            /** The approver made the call. */
            SELF_APPROVAL,
            /** The reason is missing. */
            INVALID
        }

        private final Problem problem;

        /**
         * @param problem what went wrong
         * @param message for people, safe for clients
         */
        public ApprovalException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        /** @return what went wrong */
        public Problem problem() {
            return problem;
        }
    }
}
