package io.cuga.agents.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Step;
import io.cuga.api.agent.StepStatus;
import io.cuga.api.agent.SubTask;
import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskListener;
import io.cuga.api.agent.TaskStatus;

/**
 * One task while this server runs it: its mutable state (changed only by its own thread, and under the lock of
 * this object), its stored version and its followers. Every change goes through the state machines of
 * {@link TaskStatus} and {@link StepStatus}.
 */
final class Run {

    /** A step's mutable state. */
    static final class StepState {
        final int index;
        final String tool;
        final Map<String, Object> arguments;
        StepStatus status = StepStatus.PENDING;
        String worker = "";
        int attempts;
        /** Attempts since this run (re)started the step: what the retry policy counts. */
        int attemptsThisRun;
        Map<String, Object> decision = Map.of();
        String outcome = "";
        String callId = "";
        String approvalId = "";
        Object result;
        String errorCode = "";
        String error = "";
        Instant startedAt;
        Instant endedAt;
        /** What a sub-task step runs, null for a tool step. */
        SubTask task;
        /** The sub-task while it runs (on this task's thread). */
        volatile Run child;
        /** The sub-task as it ended. */
        Task subtask;

        StepState(int index, String tool, Map<String, Object> arguments) {
            this.index = index;
            this.tool = tool;
            this.arguments = arguments;
        }

        StepState(int index, PlannedStep planned) {
            this(index, planned.tool(), planned.arguments());
            this.task = planned.task();
        }

        void move(StepStatus next) {
            status = status.moveTo(next);
        }

        Step snapshot() {
            Run running = child;
            return new Step(index, tool, arguments, status, worker, attempts, decision, outcome, callId, approvalId,
                result, errorCode, error, startedAt, endedAt, running != null ? running.snapshot() : subtask);
        }

        static StepState of(Step s) {
            StepState st = new StepState(s.index(), s.tool(), s.arguments());
            st.status = s.status();
            st.worker = s.worker();
            st.attempts = s.attempts();
            st.decision = s.decision();
            st.outcome = s.outcome();
            st.callId = s.callId();
            st.approvalId = s.approvalId();
            st.result = s.result();
            st.errorCode = s.errorCode();
            st.error = s.error();
            st.startedAt = s.startedAt();
            st.endedAt = s.endedAt();
            st.subtask = s.subtask();
            return st;
        }
    }

    final String id;
    final String goal;
    final String profile;
    final String session;
    final String caller;
    final String traceId;
    final TaskLimits limits;
    final Instant createdAt;
    final List<TaskListener> listeners = new CopyOnWriteArrayList<>();

    TaskStatus status;
    Plan plan;
    final List<StepState> steps = new ArrayList<>();
    int toolCalls;
    Object answer;
    String errorCode = "";
    String error = "";
    Instant updatedAt;
    Instant endedAt;
    long version;
    long deadlineNanos;
    volatile boolean cancelRequested;
    volatile Future<?> future;
    boolean ended;
    boolean started;
    /** The span id of the task's invoke_agent span: derived from its id. */
    final String spanId;
    /** The caller's span (from its traceparent, or the parent task's span), empty when none. */
    String parentSpanId = "";
    /** Whether the caller records the trace (its traceparent's sampled flag); true without a caller's span. */
    boolean sampled = true;
    /** The task whose step this sub-task is, null for a top task. */
    Run parent;
    /** 0 for a top task, 1 for its sub-tasks, ... */
    int depth;
    /** Steps its sub-tasks ran (recursively): they count against this task's max_steps. */
    int nestedSteps;
    /** When this run started executing. */
    Instant startedAt;

    Run(Task t, long version) {
        this.id = t.id();
        this.goal = t.goal();
        this.profile = t.profile();
        this.session = t.session();
        this.caller = t.caller();
        this.traceId = t.traceId();
        this.limits = t.limits();
        this.createdAt = t.createdAt();
        this.status = t.status();
        this.plan = t.plan();
        for (Step s : t.steps()) {
            StepState st = StepState.of(s);
            if (plan != null && s.index() < plan.steps().size()) {
                st.task = plan.steps().get(s.index()).task();
            }
            steps.add(st);
        }
        this.toolCalls = t.toolCalls();
        this.answer = t.answer();
        this.errorCode = t.errorCode();
        this.error = t.error();
        this.updatedAt = t.updatedAt();
        this.endedAt = t.endedAt();
        this.version = version;
        this.spanId = spanId(id);
    }

    /** @return the invoke_agent span id of a task: 16 hex digits of SHA-256 of its id, never all zero */
    static String spanId(String taskId) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(("cuga.task/" + taskId)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String hex = java.util.HexFormat.of().formatHex(h, 0, 8);
            return "0000000000000000".equals(hex) ? "0000000000000001" : hex;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** @return steps this task used: its own and its sub-tasks' */
    int stepsUsed() {
        return steps.size() + nestedSteps;
    }

    void move(TaskStatus next) {
        status = status.moveTo(next);
    }

    synchronized Task snapshot() {
        List<Step> list = new ArrayList<>(steps.size());
        for (StepState s : steps) {
            list.add(s.snapshot());
        }
        return new Task(id, status, goal, profile, session, caller, traceId, limits, plan, list, toolCalls, answer,
            errorCode, error, createdAt, updatedAt, endedAt);
    }
}
