package io.cuga.api.store;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where budgets are counted: spent, reserved and warn-mode exceedances per {@link BudgetKey}. Every operation
 * on one key is atomic across threads and, for a shared database, across replicas: concurrent calls can never
 * overspend. All amounts are integral units (the budget guardrail's: one call = 1,000,000 units, cost in
 * millionths).
 */
@ProviderType
public interface BudgetLedger {

    /**
     * Reserves {@code amount} against {@code ceiling}, atomically, following {@link Admission#decide}: when
     * admitted (within the ceiling, or over it in warn mode) the amount is added to the key's reserved amount
     * (and an {@link Admission#OVER} is counted as an exceedance); when refused nothing changes.
     *
     * @param key what to reserve on
     * @param amount how much, not negative
     * @param ceiling the ceiling, from policy
     * @param allowedExceedances how many calls may pass over the ceiling in warn mode (0 = none)
     * @return the reservation
     * @throws StoreUnavailableException when the ledger cannot be reached
     */
    Reservation reserve(BudgetKey key, long amount, long ceiling, long allowedExceedances);

    /**
     * Replaces an admitted reservation by what the call really used. When its hold was already released (its
     * replica was taken for stopped), what was used is still counted as spent, and nothing is released twice.
     *
     * @param reservation an admitted reservation
     * @param actual what was used, not negative
     * @throws StoreUnavailableException when the ledger cannot be reached
     */
    void settle(Reservation reservation, long actual);

    /**
     * Gives an admitted reservation back: the call did not run.
     *
     * @param reservation an admitted reservation
     * @throws StoreUnavailableException when the ledger cannot be reached
     */
    void release(Reservation reservation);

    /**
     * @param key the key
     * @return the key's current state, all zero when it has none
     * @throws StoreUnavailableException when the ledger cannot be reached
     */
    Balance balance(BudgetKey key);

    /**
     * What one ledger entry counts. The ceiling is not part of the key: a reloaded policy with another ceiling
     * keeps what was spent.
     *
     * @param profile the profile
     * @param kind {@code calls}, {@code cost} or {@code tokens}
     * @param scope {@code profile}, {@code session} or {@code task}
     * @param value the session or task, empty for the profile scope
     */
    record BudgetKey(String profile, String kind, String scope, String value) {

        /** Checks the fields. */
        public BudgetKey {
            java.util.Objects.requireNonNull(profile, "profile");
            java.util.Objects.requireNonNull(kind, "kind");
            java.util.Objects.requireNonNull(scope, "scope");
            value = value == null ? "" : value;
        }
    }

    /**
     * @param key what was reserved
     * @param amount how much
     * @param admission what was decided
     * @param used spent plus reserved after the decision
     * @param exceedances the key's warn-mode exceedances after the decision
     * @param hold the ledger's id of what an admitted reservation holds, empty when the ledger keeps none (since
     *     1.2): a ledger shared by replicas releases the holds of a replica that stopped (crashed) by their ids,
     *     and settling or releasing a hold that was already released does not release it twice
     */
    record Reservation(BudgetKey key, long amount, Admission admission, long used, long exceedances, String hold) {

        /** Checks the fields. */
        public Reservation {
            hold = hold == null ? "" : hold;
        }

        /**
         * A reservation without a hold id (the signature before {@link #hold()} existed).
         *
         * @param key what was reserved
         * @param amount how much
         * @param admission what was decided
         * @param used spent plus reserved after the decision
         * @param exceedances the key's warn-mode exceedances after the decision
         */
        public Reservation(BudgetKey key, long amount, Admission admission, long used, long exceedances) {
            this(key, amount, admission, used, exceedances, "");
        }
    }

    /**
     * @param spent what settled calls used
     * @param reserved what calls in flight hold
     * @param exceedances how many calls passed over the ceiling in warn mode
     */
    record Balance(long spent, long reserved, long exceedances) {

        /** A key with nothing on it. */
        public static final Balance ZERO = new Balance(0, 0, 0);

        /** @return spent plus reserved */
        public long used() {
            return spent + reserved;
        }
    }

    /** What a reservation decides. */
    enum Admission {
        /** Within the ceiling. */
        ADMITTED,
        /** Over the ceiling, admitted in warn mode; counted as an exceedance. */
        OVER,
        /** Refused: over the ceiling in block mode, or past the escalation count in warn mode. */
        REFUSED;

        /**
         * The one rule, shared by every ledger: at the ceiling the budget is exhausted. An amount fits when
         * {@code used < ceiling} and {@code used + amount <= ceiling}; with a ceiling of 50 calls, calls 1 to 50
         * fit and the 51st does not. What does not fit is admitted over the ceiling while fewer than
         * {@code allowedExceedances} calls have been, else refused.
         *
         * @param used spent plus reserved before the decision
         * @param exceedances exceedances before the decision
         * @param amount the amount asked for
         * @param ceiling the ceiling
         * @param allowedExceedances the escalation count (0 = block at once)
         * @return the admission
         */
        public static Admission decide(long used, long exceedances, long amount, long ceiling,
            long allowedExceedances) {
            if (used < ceiling && amount <= ceiling - used) {
                return ADMITTED;
            }
            return exceedances < allowedExceedances ? OVER : REFUSED;
        }
    }
}
