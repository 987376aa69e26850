package io.cuga.api.agent;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs agent tasks: plans them, routes their steps to workers and executes every step through the
 * {@link io.cuga.api.dispatch.Dispatcher}. Tasks are durable ({@link io.cuga.api.store.TaskStore}); the number
 * running at once is bounded.
 */
@ProviderType
public interface TaskService {

    /**
     * Accepts a task and starts it in the background.
     *
     * @param request the task
     * @return the task as accepted ({@code created})
     * @throws TaskException INVALID / UNPROCESSABLE naming the problem, OVERLOADED when too many wait
     * @throws io.cuga.api.store.StoreUnavailableException when the task cannot be stored
     */
    Task submit(TaskRequest request) throws TaskException;

    /**
     * @param id the task's id
     * @return the task, empty when there is none of that id
     * @throws io.cuga.api.store.StoreUnavailableException when the store cannot be read
     */
    Optional<Task> get(String id);

    /**
     * @param profile the profile
     * @param session only tasks of this session, empty for all of the caller's
     * @param caller only tasks of this caller, null for everybody's
     * @param limit at most this many, newest first, 1 to 1000
     * @return the tasks
     * @throws io.cuga.api.store.StoreUnavailableException when the store cannot be read
     */
    List<Task> list(String profile, String session, String caller, int limit);

    /**
     * Cancels a task: a waiting one at once, a running one by interrupting its step (the step's call still ends
     * and is audited; no further step starts).
     *
     * @param id the task's id
     * @return the task as the cancellation left it
     * @throws TaskException NOT_FOUND, or CONFLICT when it has ended already
     */
    Task cancel(String id) throws TaskException;

    /**
     * Runs a failed task again from its failed step; the steps that succeeded keep their results.
     *
     * @param id the task's id
     * @return the task as resumed ({@code executing})
     * @throws TaskException NOT_FOUND, or CONFLICT when it is not {@code failed}
     */
    Task resume(String id) throws TaskException;

    /**
     * Follows a task: {@code listener} receives its events from now on and then its end. When the task has
     * ended already, {@link TaskListener#ended} is called at once.
     *
     * @param id the task's id
     * @param listener receives the events
     * @return closes the subscription
     * @throws TaskException NOT_FOUND
     */
    AutoCloseable follow(String id, TaskListener listener) throws TaskException;
}
