package io.cuga.api.agent;

import java.util.Map;
import java.util.Objects;

/**
 * One step of a plan: a tool and its arguments.
 *
 * @param tool the tool's name
 * @param arguments its arguments (JSON-compatible values), never null
 * @param rationale why the planner chose it (its score, what it extracted), empty when given explicitly
 * @param task the sub-task this step runs instead of a tool (then {@code tool} is {@link #SUBTASK}), or null
 */
public record PlannedStep(String tool, Map<String, Object> arguments, String rationale, SubTask task) {

    /** The {@code tool} of a step that runs a {@link SubTask}. */
    public static final String SUBTASK = "task";

    /** Checks and normalises the fields. */
    public PlannedStep {
        Objects.requireNonNull(tool, "tool");
        arguments = arguments == null ? Map.of() : arguments;
        rationale = rationale == null ? "" : rationale;
        if (task != null) {
            tool = SUBTASK;
            arguments = Map.of();
        }
    }

    /**
     * A tool step.
     *
     * @param tool the tool's name
     * @param arguments its arguments (JSON-compatible values)
     * @param rationale why the planner chose it
     */
    public PlannedStep(String tool, Map<String, Object> arguments, String rationale) {
        this(tool, arguments, rationale, null);
    }

    /**
     * @param task the sub-task
     * @return a step that runs it
     * @since 1.1
     */
    public static PlannedStep of(SubTask task) {
        return new PlannedStep(SUBTASK, Map.of(), "", Objects.requireNonNull(task, "task"));
    }
}
