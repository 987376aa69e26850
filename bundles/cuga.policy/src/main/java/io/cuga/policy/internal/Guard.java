package io.cuga.policy.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs guardrail code (compile, checkTightens) so that whatever it does cannot hang or break the loader: on a
 * worker thread with a deadline when an executor is given, directly otherwise (the CLI).
 */
final class Guard {

    /** Calls directly on the caller's thread, without a deadline. */
    static final Guard DIRECT = new Guard(null, 0);

    private final ExecutorService executor;
    private final long timeoutMillis;

    /**
     * @param executor where to run the guarded code, or null to run it directly
     * @param timeoutMillis the deadline when an executor is given
     */
    Guard(ExecutorService executor, long timeoutMillis) {
        this.executor = executor;
        this.timeoutMillis = timeoutMillis;
    }

    /** @return the deadline in milliseconds, 0 for none */
    long timeoutMillis() {
        return executor == null ? 0 : timeoutMillis;
    }

    /**
     * @param <T> the result type
     * @param task guardrail code
     * @return its result
     * @throws TimeoutException when it did not answer in time (it is interrupted)
     * @throws Throwable whatever the task threw, unwrapped
     */
    <T> T call(Callable<T> task) throws Throwable {
        if (executor == null) {
            return task.call();
        }
        Future<T> future = executor.submit(task);
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() == null ? e : e.getCause();
        } catch (TimeoutException e) {
            future.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }
}
