package io.cuga.api.agent;

import java.util.Locale;
import java.util.Set;

/**
 * Where a step stands: {@code pending → running → succeeded | failed | skipped}, {@code running ⇄
 * waiting_approval}. A pending step is skipped when its task ends before it runs; a waiting step fails when its
 * approval is rejected or expires, and is skipped when its task is cancelled. A failed step goes back to
 * {@code pending} when its task is resumed.
 */
public enum StepStatus {
    /** Not started. */
    PENDING,
    /** Its call (or a retry of it) runs. */
    RUNNING,
    /** Its call waits for a human's approval. */
    WAITING_APPROVAL,
    /** Its call returned a result. */
    SUCCEEDED,
    /** Its call failed for good (after the retries its failure allowed). */
    FAILED,
    /** It never ran, or stopped waiting, because its task ended. */
    SKIPPED;

    /**
     * @param next the wanted status
     * @return whether a step in this status may move to {@code next}
     */
    public boolean canMoveTo(StepStatus next) {
        return switch (this) {
            case PENDING -> Set.of(RUNNING, SKIPPED).contains(next);
            case RUNNING -> Set.of(WAITING_APPROVAL, SUCCEEDED, FAILED, SKIPPED).contains(next);
            case WAITING_APPROVAL -> Set.of(RUNNING, FAILED, SKIPPED).contains(next);
            case FAILED -> next == PENDING;
            case SUCCEEDED, SKIPPED -> false;
        };
    }

    /**
     * @param next the wanted status
     * @return {@code next}
     * @throws IllegalStateException naming both when the move is not allowed
     */
    public StepStatus moveTo(StepStatus next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("a step cannot move from " + label() + " to " + next.label());
        }
        return next;
    }

    /** @return true for {@code succeeded}, {@code failed} and {@code skipped} */
    public boolean ended() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED;
    }

    /** @return the lower-case name used in JSON */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param label a label such as {@code running}, any case
     * @return the status
     * @throws IllegalArgumentException naming the accepted values
     */
    public static StepStatus parse(String label) {
        for (StepStatus s : values()) {
            if (s.name().equalsIgnoreCase(label == null ? "" : label.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown step status '" + label + "'");
    }
}
