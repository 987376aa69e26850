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
}
