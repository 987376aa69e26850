package io.cuga.api.agent;

import org.osgi.annotation.versioning.ConsumerType;

import io.cuga.api.event.Event;

/**
 * Follows one task (see {@link TaskService#follow}). Called on the task's own thread, in order; it must return
 * quickly (hand off to a queue).
 */
@ConsumerType
public interface TaskListener {

    /** @param event an event of the task: plan.created, route.decision, execution.*, step and tool events */
    void event(Event event);

    /** @param task the task as it ended; no call follows */
    void ended(Task task);
}
