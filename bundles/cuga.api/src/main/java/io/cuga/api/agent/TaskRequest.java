package io.cuga.api.agent;

import java.util.List;
import java.util.Objects;

/**
 * A request to run a task.
 *
 * @param goal what the caller wants, in words (may be empty when {@code plan} is given)
 * @param plan an explicit plan to run instead of planning, or empty to let the planner plan
 * @param profile the policy profile every step runs under
 * @param session the session (conversation) the task belongs to, or empty
 * @param caller the authenticated principal (the steps' caller, the task's owner)
 * @param limits limits lower than the server's, or {@link TaskLimits#UNSET}
 */
public record TaskRequest(String goal, List<PlannedStep> plan, String profile, String session, String caller,
    TaskLimits limits) {

    /** Checks and normalises the fields. */
    public TaskRequest {
        goal = goal == null ? "" : goal;
        plan = plan == null ? List.of() : List.copyOf(plan);
        profile = profile == null || profile.isEmpty() ? "default" : profile;
        session = session == null ? "" : session;
        Objects.requireNonNull(caller, "caller");
        limits = limits == null ? TaskLimits.UNSET : limits;
    }
}
