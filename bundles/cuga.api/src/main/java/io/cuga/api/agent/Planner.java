package io.cuga.api.agent;

import java.util.List;
import java.util.Objects;

import org.osgi.annotation.versioning.ConsumerType;

import io.cuga.api.tool.ToolDescriptor;

/**
 * Turns a goal into a plan over the tools a profile may use. Register it as a service with {@link #NAME}; the
 * task runtime uses the one its configuration names ({@code offline} by default). A planner only plans: it never
 * calls a tool.
 */
@ConsumerType
public interface Planner {

    /** Service property: the planner's name, such as {@code offline}. */
    String NAME = "cuga.planner.name";

    /**
     * @param context the goal, the visible tools and what the session remembers
     * @return the plan; no step when nothing fits (the task then fails with {@code no_plan} and the explanation)
     */
    Plan plan(Context context);

    /**
     * What a planner plans with.
     *
     * @param goal the goal
     * @param profile the profile the steps will run under
     * @param session the session, empty when none
     * @param tools the tools visible under the profile
     * @param memory texts the session's memory returned for the goal, best first (empty without memory)
     * @param maxSteps the most steps the plan may have
     */
    record Context(String goal, String profile, String session, List<ToolDescriptor> tools, List<String> memory,
        int maxSteps) {

        /** Checks and freezes the fields. */
        public Context {
            Objects.requireNonNull(goal, "goal");
            tools = tools == null ? List.of() : List.copyOf(tools);
            memory = memory == null ? List.of() : List.copyOf(memory);
            session = session == null ? "" : session;
        }
    }
}
