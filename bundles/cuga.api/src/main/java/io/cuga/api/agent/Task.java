package io.cuga.api.agent;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A task as it stands.
 *
 * @param id its id (random, URL-safe)
 * @param status where it stands
 * @param goal the goal as given
 * @param profile the profile its steps run under
 * @param session its session, empty when none
 * @param caller who submitted it (the only agent who may see it)
 * @param traceId the trace id every step's call, audit record and event carries
 * @param limits the limits in force (the request's, lowered to the server's)
 * @param plan its plan, null before planning
 * @param steps its steps, in plan order
 * @param toolCalls how many tool calls it made so far (retries included)
 * @param answer the final answer (the last step's result, or a summary) once completed, else null
 * @param errorCode why it failed or was cancelled ({@code step_failed}, {@code limit_exceeded},
 *     {@code interrupted}, {@code cancelled}, {@code no_plan}, ...), empty otherwise
 * @param error a message for people, empty otherwise
 * @param createdAt when it was submitted
 * @param updatedAt when it last changed
 * @param endedAt when it ended, null while it runs
 */
public record Task(String id, TaskStatus status, String goal, String profile, String session, String caller,
    String traceId, TaskLimits limits, Plan plan, List<Step> steps, int toolCalls, Object answer, String errorCode,
    String error, Instant createdAt, Instant updatedAt, Instant endedAt) {

    /** Checks and normalises the fields. */
    public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        goal = goal == null ? "" : goal;
        profile = profile == null ? "" : profile;
        session = session == null ? "" : session;
        caller = caller == null ? "" : caller;
        traceId = traceId == null ? "" : traceId;
        limits = limits == null ? TaskLimits.UNSET : limits;
        steps = steps == null ? List.of() : List.copyOf(steps);
        errorCode = errorCode == null ? "" : errorCode;
        error = error == null ? "" : error;
        updatedAt = updatedAt == null ? createdAt : updatedAt;
    }
}
