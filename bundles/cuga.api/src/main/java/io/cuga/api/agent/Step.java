package io.cuga.api.agent;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a task as it ran (or waits to).
 *
 * @param index its position in the plan, from 0
 * @param tool the tool
 * @param arguments the arguments
 * @param status where it stands
 * @param worker the worker the coordinator routed it to, empty before routing
 * @param attempts how many calls it made (1 + retries), including the current one
 * @param decision the guardrail decision of its last call: {@code verdict}, {@code guardrail}, {@code rule},
 *     {@code reason}; empty before it ran
 * @param outcome how its last call ended ({@code OK}, {@code DENIED}, {@code TIMEOUT}, ...), empty before
 * @param callId its last call's id (in the audit trail), empty before
 * @param approvalId the approval it waits for or waited for, empty when none
 * @param result the tool's result once it succeeded, else null
 * @param errorCode why it failed (the call's error code, or {@code approval_rejected}, ...), empty when not
 * @param error a message for people, empty when not failed
 * @param startedAt when it first ran, null before
 * @param endedAt when it ended, null before
 * @param subtask the task a sub-task step ran (or runs), with its own steps; null for a tool step or before it
 *     started
 */
public record Step(int index, String tool, Map<String, Object> arguments, StepStatus status, String worker,
    int attempts, Map<String, Object> decision, String outcome, String callId, String approvalId, Object result,
    String errorCode, String error, Instant startedAt, Instant endedAt, Task subtask) {

    /** Checks and normalises the fields. */
    public Step {
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(status, "status");
        arguments = arguments == null ? Map.of() : arguments;
        worker = worker == null ? "" : worker;
        decision = decision == null ? Map.of() : decision;
        outcome = outcome == null ? "" : outcome;
        callId = callId == null ? "" : callId;
        approvalId = approvalId == null ? "" : approvalId;
        errorCode = errorCode == null ? "" : errorCode;
        error = error == null ? "" : error;
    }

    /**
     * A step without a sub-task (the signature before {@link #subtask()} existed).
     *
     * @param index its position in the plan, from 0
     * @param tool the tool
     * @param arguments the arguments
     * @param status where it stands
     * @param worker the worker, empty before routing
     * @param attempts how many calls it made
     * @param decision the guardrail decision of its last call
     * @param outcome how its last call ended
     * @param callId its last call's id
     * @param approvalId the approval it waits for or waited for
     * @param result the tool's result once it succeeded
     * @param errorCode why it failed
     * @param error a message for people
     * @param startedAt when it first ran
     * @param endedAt when it ended
     */
    public Step(int index, String tool, Map<String, Object> arguments, StepStatus status, String worker,
        int attempts, Map<String, Object> decision, String outcome, String callId, String approvalId, Object result,
        String errorCode, String error, Instant startedAt, Instant endedAt) {
        this(index, tool, arguments, status, worker, attempts, decision, outcome, callId, approvalId, result,
            errorCode, error, startedAt, endedAt, null);
    }

    /**
     * @param index its position
     * @param planned the planned step
     * @return a pending step for it
     */
    public static Step pending(int index, PlannedStep planned) {
        return new Step(index, planned.tool(), planned.arguments(), StepStatus.PENDING, "", 0, null, null, null,
            null, null, null, null, null, null);
    }
}
