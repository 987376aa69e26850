package io.cuga.api.agent;

import java.util.Map;

/** Why the task service refused a request; the message is safe for clients and names the problem. */
public class TaskException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, for the HTTP status. */
    public enum Problem {
        /** The request is malformed (400). */
        INVALID,
        /** The request is well formed but cannot be run: unknown tool, too many steps, no goal (422). */
        UNPROCESSABLE,
        /** No task of that id for this caller (404). */
        NOT_FOUND,
        /** The task is in a status that does not allow it (409), such as cancelling a finished task. */
        CONFLICT,
        /** Too many tasks are running or queued (503). */
        OVERLOADED
    }

    private final Problem problem;
    private final transient Map<String, Object> details;

    /**
     * @param problem what went wrong
     * @param message for people, safe for clients
     * @param details structured facts, such as the failing field
     */
    public TaskException(Problem problem, String message, Map<String, Object> details) {
        super(message);
        this.problem = problem;
        this.details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** @return what went wrong */
    public Problem problem() {
        return problem;
    }

    /** @return structured facts, never null */
    public Map<String, Object> details() {
        return details;
    }
}
