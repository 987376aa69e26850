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
 * @param traceId the W3C trace id the task joins (32 hex digits, from the caller's {@code traceparent}), or empty
 *     to start a trace
 * @param parentSpanId the caller's span id (16 hex digits) the task's {@code invoke_agent} span is a child of, or
 *     empty
 * @param sampled the sampled flag of that parent (since 1.2): false when the caller does not record this trace,
 *     so a parent-based sampler records none of the task's spans either; true when there is no parent
 */
public record TaskRequest(String goal, List<PlannedStep> plan, String profile, String session, String caller,
    TaskLimits limits, String traceId, String parentSpanId, boolean sampled) {

    /** Checks and normalises the fields. */
    public TaskRequest {
        goal = goal == null ? "" : goal;
        plan = plan == null ? List.of() : List.copyOf(plan);
        profile = profile == null || profile.isEmpty() ? "default" : profile;
        session = session == null ? "" : session;
        Objects.requireNonNull(caller, "caller");
        limits = limits == null ? TaskLimits.UNSET : limits;
        traceId = traceId == null ? "" : traceId;
        parentSpanId = parentSpanId == null ? "" : parentSpanId;
        sampled = sampled || parentSpanId.isEmpty();
    }

    /**
     * A request whose parent, if any, is sampled (the signature before {@link #sampled()} existed).
     *
     * @param goal what the caller wants
     * @param plan an explicit plan, or empty
     * @param profile the policy profile
     * @param session the session, or empty
     * @param caller the authenticated principal
     * @param limits limits lower than the server's, or {@link TaskLimits#UNSET}
     * @param traceId the W3C trace id the task joins, or empty
     * @param parentSpanId the caller's span id, or empty
     */
    public TaskRequest(String goal, List<PlannedStep> plan, String profile, String session, String caller,
        TaskLimits limits, String traceId, String parentSpanId) {
        this(goal, plan, profile, session, caller, limits, traceId, parentSpanId, true);
    }

    /**
     * A request that starts its own trace (the signature before {@link #traceId()} existed).
     *
     * @param goal what the caller wants
     * @param plan an explicit plan, or empty
     * @param profile the policy profile
     * @param session the session, or empty
     * @param caller the authenticated principal
     * @param limits limits lower than the server's, or {@link TaskLimits#UNSET}
     */
    public TaskRequest(String goal, List<PlannedStep> plan, String profile, String session, String caller,
        TaskLimits limits) {
        this(goal, plan, profile, session, caller, limits, "", "", true);
    }
}
