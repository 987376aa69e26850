package io.cuga.api.agent;

import java.util.List;
import java.util.Objects;

/**
 * What a planner made of a goal.
 *
 * @param planner the planner's name ({@code offline}, {@code explicit} for a plan given in the request)
 * @param steps the steps, in order; empty when the planner found nothing to do
 * @param explanation how it decided (the tools it ranked and why), or why there is no step
 * @param confidence the planner's confidence in [0, 1]
 */
public record Plan(String planner, List<PlannedStep> steps, String explanation, double confidence) {

    /** Checks and freezes the fields. */
    public Plan {
        Objects.requireNonNull(planner, "planner");
        steps = steps == null ? List.of() : List.copyOf(steps);
        explanation = explanation == null ? "" : explanation;
    }
}
