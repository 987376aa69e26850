package io.cuga.api.agent;

import java.util.List;

/**
 * A plan step that is a task of its own (nested orchestration): planned from its goal, or run from its explicit
 * plan, with the parent task's profile, session, caller and trace; its steps count against the parent's limits.
 *
 * @param goal what the sub-task should achieve (may be empty when {@code plan} is given)
 * @param plan its explicit plan, or empty to let the planner plan the goal
 * @since 1.1
 */
public record SubTask(String goal, List<PlannedStep> plan) {

    /** Checks and freezes the fields. */
    public SubTask {
        goal = goal == null ? "" : goal;
        plan = plan == null ? List.of() : List.copyOf(plan);
    }

    /** @return how deep the sub-task nests: 1 for one with tool steps only */
    public int depth() {
        int deepest = 0;
        for (PlannedStep s : plan) {
            if (s.task() != null) {
                deepest = Math.max(deepest, s.task().depth());
            }
        }
        return 1 + deepest;
    }
}
