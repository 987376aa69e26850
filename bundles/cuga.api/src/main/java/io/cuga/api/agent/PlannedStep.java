package io.cuga.api.agent;

import java.util.Map;
import java.util.Objects;

/**
 * One step of a plan: a tool and its arguments.
 *
 * @param tool the tool's name
 * @param arguments its arguments (JSON-compatible values), never null
 * @param rationale why the planner chose it (its score, what it extracted), empty when given explicitly
 */
public record PlannedStep(String tool, Map<String, Object> arguments, String rationale) {

    /** Checks and normalises the fields. */
    public PlannedStep {
        Objects.requireNonNull(tool, "tool");
        arguments = arguments == null ? Map.of() : arguments;
        rationale = rationale == null ? "" : rationale;
    }
}
