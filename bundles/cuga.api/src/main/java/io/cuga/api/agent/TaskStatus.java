package io.cuga.api.agent;

import java.util.Locale;
import java.util.Set;

/**
 * Where a task stands. A task moves {@code created → planned → routed → executing → completed | failed |
 * cancelled}, and {@code executing ⇄ waiting_approval} while a step waits for a human. Any state before an end
 * may go to {@code failed} or {@code cancelled}. A {@code failed} task may be resumed ({@code failed →
 * executing}) from its failed step; nothing leaves {@code completed} or {@code cancelled}.
 */
public enum TaskStatus {
    /** Accepted, not planned yet. */
    CREATED,
    /** The planner made a plan. */
    PLANNED,
    /** The coordinator assigned every step to a worker. */
    ROUTED,
    /** Steps are running. */
    EXECUTING,
    /** A step waits for a human's approval. */
    WAITING_APPROVAL,
    /** Every step succeeded; the answer is set. */
    COMPLETED,
    /** A step failed, a limit was exceeded, or the task was interrupted; the error says which. */
    FAILED,
    /** Cancelled by its caller. */
    CANCELLED;

    /**
     * @param next the wanted status
     * @return whether a task in this status may move to {@code next}
     */
    public boolean canMoveTo(TaskStatus next) {
        return switch (this) {
            case CREATED -> Set.of(PLANNED, FAILED, CANCELLED).contains(next);
            case PLANNED -> Set.of(ROUTED, FAILED, CANCELLED).contains(next);
            case ROUTED -> Set.of(EXECUTING, FAILED, CANCELLED).contains(next);
            case EXECUTING -> Set.of(WAITING_APPROVAL, COMPLETED, FAILED, CANCELLED).contains(next);
            case WAITING_APPROVAL -> Set.of(EXECUTING, FAILED, CANCELLED).contains(next);
            case FAILED -> next == EXECUTING;
            case COMPLETED, CANCELLED -> false;
        };
    }

    /**
     * @param next the wanted status
     * @return {@code next}
     * @throws IllegalStateException naming both when the move is not allowed
     */
    public TaskStatus moveTo(TaskStatus next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("a task cannot move from " + label() + " to " + next.label());
        }
        return next;
    }

    /** @return true for {@code completed}, {@code failed} and {@code cancelled} */
    public boolean ended() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** @return the lower-case name used in JSON and the store ({@code waiting_approval}) */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param label a label such as {@code executing}, any case
     * @return the status
     * @throws IllegalArgumentException naming the accepted values
     */
    public static TaskStatus parse(String label) {
        for (TaskStatus s : values()) {
            if (s.name().equalsIgnoreCase(label == null ? "" : label.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown task status '" + label + "'; expected one of created, planned, "
            + "routed, executing, waiting_approval, completed, failed, cancelled");
    }
}
