package io.cuga.api.agent;

/**
 * The limits of one task. A value of 0 means "not set" (in a request: take the server's default). A request
 * may only lower the server's limits: {@link #within(TaskLimits)} takes the smaller of each.
 *
 * @param maxSteps the most steps a plan may have
 * @param maxToolCalls the most tool calls (retries included) the task may make
 * @param maxWallMillis the longest the task may run, from submission, in milliseconds (time waiting for an
 *     approval included)
 */
public record TaskLimits(int maxSteps, int maxToolCalls, long maxWallMillis) {

    /** No limit set. */
    public static final TaskLimits UNSET = new TaskLimits(0, 0, 0);

    /** Checks the values. */
    public TaskLimits {
        if (maxSteps < 0 || maxToolCalls < 0 || maxWallMillis < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /**
     * @param ceiling the server's limits (all set)
     * @return each limit of this request, or the ceiling's where this one is unset or higher
     */
    public TaskLimits within(TaskLimits ceiling) {
        return new TaskLimits(lower(maxSteps, ceiling.maxSteps), (int) lower(maxToolCalls, ceiling.maxToolCalls),
            lower(maxWallMillis, ceiling.maxWallMillis));
    }

    private static int lower(int wanted, int ceiling) {
        return (int) lower((long) wanted, (long) ceiling);
    }

    private static long lower(long wanted, long ceiling) {
        if (wanted == 0) {
            return ceiling;
        }
        return ceiling == 0 ? wanted : Math.min(wanted, ceiling);
    }
}
