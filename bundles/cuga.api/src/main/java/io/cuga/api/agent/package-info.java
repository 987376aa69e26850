/**
 * Agent tasks on the guarded path. A {@link io.cuga.api.agent.TaskService} turns a goal (or an explicit plan)
 * into a {@link io.cuga.api.agent.Task}: a {@link io.cuga.api.agent.Planner} makes the plan from the tools
 * visible to the task's profile, a coordinator routes each step to a worker, and every step is one
 * {@link io.cuga.api.dispatch.Dispatcher#dispatch} with the task's profile, session, caller and trace id, so the
 * guardrails, budgets, approvals, audit trail and events apply to agents exactly as to direct calls. Tasks and
 * steps move through the state machines of {@link io.cuga.api.agent.TaskStatus} and
 * {@link io.cuga.api.agent.StepStatus}; limits per task ({@link io.cuga.api.agent.TaskLimits}) end a task with a
 * clear status when exceeded. Since 1.1 a plan step may be a {@link io.cuga.api.agent.SubTask} (nested
 * orchestration), and a task may join its caller's trace.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.cuga.api.agent;
