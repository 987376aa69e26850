package io.cuga.api.dispatch;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Dispatches tool calls through the guarded path: visibility, argument validation, guardrails, a bounded pool
 * with a deadline, and the mapping of every outcome to a {@link CallOutcome}. It never throws for anything a
 * caller or a tool did; the outcome says what happened.
 */
@ProviderType
public interface Dispatcher {

    /**
     * Runs one call to its end and reports the outcome.
     *
     * @param request the call
     * @return the outcome, never null
     */
    CallOutcome dispatch(CallRequest request);

    /**
     * Runs the guardrail chain on a call as a dry run: every guardrail decides, nothing executes, nothing is
     * charged or reserved.
     *
     * @param request the call
     * @return each guardrail's decision and the combined one, never null
     */
    Evaluation evaluate(CallRequest request);
}
