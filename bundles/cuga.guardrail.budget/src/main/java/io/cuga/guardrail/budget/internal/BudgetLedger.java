package io.cuga.guardrail.budget.internal;

/**
 * Where budgets are counted. Every operation on one key is atomic, so concurrent calls can never overspend.
 *
 * <p>This is the seam for durable ledgers: today {@link InMemoryBudgetLedger}; with the store, SQLite and
 * PostgreSQL implementations do {@link #reserve} as one conditional update (a row per key with
 * {@code spent}, {@code reserved} and {@code exceedances}, updated {@code WHERE spent + reserved + :amount <=
 * :ceiling ...}) so that several replicas share one budget. All amounts are {@link Units}.
 */
interface BudgetLedger {

    /**
     * Reserves {@code amount} against {@code ceiling}, atomically, following {@link Admission#decide}: admitted
     * when it fits (the amount is added to the reserved amount); else, while fewer than
     * {@code allowedExceedances} calls have passed over the ceiling, admitted over it (added too, and counted);
     * else refused (nothing changes).
     *
     * @return the reservation; its {@link Reservation#admission()} says which
     */
    Reservation reserve(LedgerKey key, long amount, long ceiling, long allowedExceedances);

    /** Replaces an admitted reservation by what the call really used. */
    void settle(Reservation reservation, long actual);

    /** Gives an admitted reservation back: the call did not run. */
    void release(Reservation reservation);

    /** @return the current state of a key, all zero when it has none */
    Balance balance(LedgerKey key);

    /**
     * @param key what was reserved
     * @param amount how much
     * @param admission what was decided
     * @param used spent plus reserved after the decision
     * @param exceedances the key's warn-mode exceedances after the decision
     */
    record Reservation(LedgerKey key, long amount, Admission admission, long used, long exceedances) {
    }

    /**
     * @param spent what settled calls used
     * @param reserved what calls in flight hold
     * @param exceedances how many calls passed over the ceiling in warn mode
     */
    record Balance(long spent, long reserved, long exceedances) {

        static final Balance ZERO = new Balance(0, 0, 0);

        long used() {
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
         * The one rule: at the ceiling the budget is exhausted. An amount fits when {@code used < ceiling} and
         * {@code used + amount <= ceiling}; with a ceiling of 50 calls, calls 1 to 50 fit and the 51st does not.
         */
        static Admission decide(long used, long exceedances, long amount, long ceiling, long allowedExceedances) {
            if (used < ceiling && amount <= ceiling - used) {
                return ADMITTED;
            }
            return exceedances < allowedExceedances ? OVER : REFUSED;
        }
    }
}
