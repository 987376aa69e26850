package io.cuga.api.event;

/** The event types the platform emits. */
public final class EventTypes {

    /** A tool call passed the chain and starts. */
    public static final String TOOL_CALL_START = "tool.call.start";
    /** A tool call returned a result. */
    public static final String TOOL_CALL_COMPLETE = "tool.call.complete";
    /** A tool call ended in an error (denied, invalid, failed, timed out, unavailable). */
    public static final String TOOL_CALL_ERROR = "tool.call.error";
    /** A tool became visible. */
    public static final String TOOL_ADDED = "tool.added";
    /** A tool went away or was hidden. */
    public static final String TOOL_REMOVED = "tool.removed";
    /** A policy was activated. */
    public static final String POLICY_RELOADED = "policy.reloaded";
    /** A policy document was refused. */
    public static final String POLICY_REJECTED = "policy.rejected";
    /** A budget passed its warn ratio. */
    public static final String BUDGET_WARNING = "budget.warning";
    /** A budget was exhausted. */
    public static final String BUDGET_EXCEEDED = "budget.exceeded";
    /** A budget's spent amount changed. */
    public static final String BUDGET_UPDATED = "budget.updated";
    /** A call waits for a human. */
    public static final String APPROVAL_REQUESTED = "approval.requested";
    /** A human decided on a call. */
    public static final String APPROVAL_RECEIVED = "approval.received";
    /** Nobody decided in time: the call was denied. */
    public static final String APPROVAL_TIMEOUT = "approval.timeout";
    /** An agent task started. */
    public static final String EXECUTION_START = "execution.start";
    /** An agent task completed. */
    public static final String EXECUTION_COMPLETE = "execution.complete";
    /** An agent task failed. */
    public static final String EXECUTION_ERROR = "execution.error";
    /** A planner made a plan. */
    public static final String PLAN_CREATED = "plan.created";
    /** A coordinator routed a step. */
    public static final String ROUTE_DECISION = "route.decision";
    /** Memory was queried. */
    public static final String MEMORY_QUERY = "memory.query";
    /** Something was stored in memory. */
    public static final String MEMORY_STORE = "memory.store";

    private EventTypes() {
    }
}
