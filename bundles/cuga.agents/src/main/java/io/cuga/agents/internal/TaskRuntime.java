package io.cuga.agents.internal;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Planner;
import io.cuga.api.agent.StepStatus;
import io.cuga.api.agent.SubTask;
import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskException;
import io.cuga.api.agent.TaskException.Problem;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskListener;
import io.cuga.api.agent.TaskRequest;
import io.cuga.api.agent.TaskService;
import io.cuga.api.agent.TaskStatus;
import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.Approvals;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.memory.MemoryEntry;
import io.cuga.api.memory.MemoryHit;
import io.cuga.api.memory.MemoryQuery;
import io.cuga.api.memory.MemoryScope;
import io.cuga.api.memory.MemoryStore;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.api.store.TaskStore;
import io.cuga.api.store.TaskStore.StoredDocument;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The task runtime: plans a task (the configured {@link Planner}, or the request's explicit plan), routes its
 * steps to workers ({@link Coordinator}, each decision an {@code agent.decision} audit record and a
 * {@code route.decision} event) and runs every step as one {@link Dispatcher#dispatch} on the chosen worker's
 * thread, with the task's profile, session, caller and trace id. Limits, retries, approval pauses, memory and
 * durability as described in docs/agents.md.
 */
@Component(service = TaskService.class, configurationPid = TaskRuntime.PID)
@Designate(ocd = TaskRuntime.Config.class)
public final class TaskRuntime implements TaskService {

    /** The configuration PID. */
    public static final String PID = "cuga.agents";

    /** Event type: a step started (or is retried). */
    static final String STEP_START = "agent.step.start";
    /** Event type: a step ended (succeeded, failed or skipped). */
    static final String STEP_END = "agent.step.end";
    /** Event type: a step waits for an approval. */
    static final String STEP_WAITING = "agent.step.waiting_approval";

    private static final Logger LOG = LoggerFactory.getLogger(TaskRuntime.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_GOAL = 4000;
    private static final int MAX_TURNS = 50;
    /** Memory texts a planner gets at most. */
    static final int MEMORY_HITS = 5;
    /** Goal words searched in memory at most. */
    static final int MEMORY_WORDS = 8;
    /** The planner setting that picks the model planner when a model is there, else the offline one. */
    static final String AUTO = "auto";

    /** The runtime's settings. */
    @ObjectClassDefinition(name = "cuga agents", description = "The task runtime: planner, workers and routing, "
        + "limits per task, retries, approvals and memory. See docs/agents.md.")
    public @interface Config {

        /** @return the planner's name */
        @AttributeDefinition(name = "Planner", description = "The Planner service (cuga.planner.name) that plans "
            + "goals: offline (built in, no model), model (a chat model through the model_chat tool), or auto: "
            + "model when a chat model is registered and model_chat is visible to the task's profile, else "
            + "offline.")
        String planner() default AUTO;

        /** @return tasks running at once */
        @AttributeDefinition(name = "Running tasks", description = "The most tasks running at once.")
        int max_running() default 4;

        /** @return tasks waiting to run */
        @AttributeDefinition(name = "Queued tasks", description = "The most tasks waiting for a free slot; one "
            + "more is refused with 503.")
        int max_queued() default 100;

        /** @return the default and ceiling of steps */
        @AttributeDefinition(name = "Max steps", description = "The most steps of a task's plan (a request may "
            + "only lower it).")
        int max_steps() default 10;

        /** @return how deep sub-tasks nest */
        @AttributeDefinition(name = "Max depth", description = "How deep sub-tasks (plan steps that are tasks) "
            + "may nest: 1 allows sub-tasks without sub-tasks of their own.")
        int max_depth() default 3;

        /** @return the default and ceiling of tool calls */
        @AttributeDefinition(name = "Max tool calls", description = "The most tool calls of a task, retries "
            + "included (a request may only lower it).")
        int max_tool_calls() default 50;

        /** @return the default and ceiling of wall time */
        @AttributeDefinition(name = "Max wall time (s)", description = "The longest a task may run, approval "
            + "waits included (a request may only lower it).")
        long max_wall_seconds() default 300;

        /** @return the workers */
        @AttributeDefinition(name = "Workers", description = "Names of the workers steps are routed to "
            + "(several values, or one comma-separated value).")
        String[] workers() default {"worker-1", "worker-2", "worker-3"};

        /** @return threads per worker */
        @AttributeDefinition(name = "Threads per worker", description = "Steps one worker runs at once.")
        int worker_threads() default 2;

        /** @return the routing strategy */
        @AttributeDefinition(name = "Routing", description = "round_robin or capability.")
        String routing() default "round_robin";

        /** @return the workers' capabilities */
        @AttributeDefinition(name = "Capabilities", description = "For capability routing: worker=capability,... "
            + "where a capability is a risk tier (READ, WRITE, EXTERNAL, DELETE, FINANCIAL), bundle:<symbolic "
            + "name> or tool:<name> (several values, or one value with entries separated by ';').")
        String[] capabilities() default {"worker-1=READ", "worker-2=WRITE,EXTERNAL", "worker-3=DELETE,FINANCIAL"};

        /** @return the retry policy */
        @AttributeDefinition(name = "Retry policy", description = "none, linear or exponential (with jitter).")
        String retry_policy() default "exponential";

        /** @return attempts per step */
        @AttributeDefinition(name = "Attempts per step", description = "The most calls of one step, the first "
            + "included (1-10); only timeouts, tool failures and unavailable tools are retried.")
        int retry_max_attempts() default 3;

        /** @return the first delay */
        @AttributeDefinition(name = "Retry base delay (ms)")
        long retry_base_millis() default 200;

        /** @return the longest delay */
        @AttributeDefinition(name = "Retry max delay (ms)")
        long retry_max_millis() default 5000;

        /** @return the jitter fraction */
        @AttributeDefinition(name = "Retry jitter", description = "Fraction of each delay randomised away (0-1).")
        double retry_jitter() default 0.2;

        /** @return how often an approval is polled */
        @AttributeDefinition(name = "Approval poll (ms)", description = "How often a waiting step asks for its "
            + "approval's decision.")
        long approval_poll_millis() default 250;

        /** @return whether memory is used */
        @AttributeDefinition(name = "Use memory", description = "Read the session's memory for planning and "
            + "store each final answer (when a MemoryStore is available).")
        boolean memory_enabled() default true;

        /** @return which memory backend the agents use */
        @AttributeDefinition(name = "Memory backend", description = "The memory backend (service property "
            + "cuga.memory.backend) the agents read and write: auto takes the most durable one running "
            + "(postgres, then sqlite, then any other, the in-memory one last), so replicas on one PostgreSQL "
            + "share memory; or a backend's name (postgres, sqlite, memory), used only while it runs.")
        String memory_backend() default "auto";

        /** @return whether tasks whose server is gone are failed */
        @AttributeDefinition(name = "Recover interrupted", description = "Mark tasks left unfinished by a server "
            + "that is gone (it stopped or crashed while they ran: this server before a restart, or another "
            + "replica on the same database) as failed with errorCode interrupted, so they can be resumed. A "
            + "server is gone when its store instance has not shown life for the store's lease (30 s); tasks of "
            + "live replicas are never touched, so every replica can keep this on.")
        boolean recover_interrupted() default true;

        /** @return how often to look for tasks whose server is gone */
        @AttributeDefinition(name = "Recover interval (s)", description = "How often open tasks are checked for a "
            + "server that is gone (with recover.interrupted).", min = "1")
        int recover_interval_seconds() default 10;
    }

    private final Dispatcher dispatcher;
    private final ToolRegistry registry;
    private final TaskStore store;
    private final AuditTrail audit;
    private final String plannerName;
    private final TaskLimits ceiling;
    private final RetryPolicy retry;
    private final Coordinator coordinator;
    private final long pollMillis;
    private final int maxDepth;
    private final boolean memoryEnabled;
    private final ThreadPoolExecutor runner;
    /** Looks for tasks whose server is gone, every recover.interval.seconds. */
    private final ScheduledExecutorService recovery = Executors.newSingleThreadScheduledExecutor(
        threads("cuga-agent-recovery"));
    private final Map<String, ExecutorService> workers = new LinkedHashMap<>();
    private final Map<String, Run> active = new ConcurrentHashMap<>();
    private final Map<String, Planner> planners = new ConcurrentHashMap<>();
    /** The memory backends running, with their cuga.memory.backend names. */
    private final Map<MemoryStore, String> memories = new ConcurrentHashMap<>();
    private final String memoryBackend;
    private volatile Approvals approvals;
    private volatile EventPublisher publisher;
    private volatile boolean stopping;

    /**
     * @param dispatcher the guarded path
     * @param registry the tools
     * @param store where tasks live
     * @param audit where routing and planning decisions are recorded
     * @param config the settings
     */
    @Activate
    public TaskRuntime(@Reference Dispatcher dispatcher, @Reference ToolRegistry registry,
        @Reference TaskStore store, @Reference AuditTrail audit, Config config) {
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.store = store;
        this.audit = audit;
        this.plannerName = config.planner();
        this.ceiling = new TaskLimits(Math.max(1, config.max_steps()), Math.max(1, config.max_tool_calls()),
            TimeUnit.SECONDS.toMillis(Math.max(1, config.max_wall_seconds())));
        this.retry = new RetryPolicy(RetryPolicy.Kind.parse(config.retry_policy()), config.retry_max_attempts(),
            config.retry_base_millis(), config.retry_max_millis(), config.retry_jitter());
        this.coordinator = new Coordinator(Coordinator.Strategy.parse(config.routing()),
            split(config.workers(), ","), split(config.capabilities(), ";"));
        this.pollMillis = Math.max(10, config.approval_poll_millis());
        this.maxDepth = Math.max(0, config.max_depth());
        this.memoryEnabled = config.memory_enabled();
        String backend = config.memory_backend() == null ? "" : config.memory_backend().strip();
        this.memoryBackend = backend.isEmpty() ? "auto" : backend;
        int running = Math.max(1, config.max_running());
        this.runner = new ThreadPoolExecutor(running, running, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(Math.max(1, config.max_queued())), threads("cuga-agent-task"));
        this.runner.allowCoreThreadTimeOut(true);
        for (String w : coordinator.workers()) {
            workers.put(w, Executors.newFixedThreadPool(Math.max(1, config.worker_threads()), threads(
                "cuga-agent-" + w)));
        }
        if (config.recover_interrupted()) {
            recoverInterrupted(true);
            long every = Math.max(1, config.recover_interval_seconds());
            recovery.scheduleWithFixedDelay(() -> recoverInterrupted(false), every, every, TimeUnit.SECONDS);
        }
        LOG.info("Agents ready: planner {}, {} routing over {}, retry {} x{}, limits {} steps / {} calls / {} s",
            plannerName, coordinator.strategy().label(), coordinator.workers(), retry.kind(), retry.maxAttempts(),
            ceiling.maxSteps(), ceiling.maxToolCalls(), ceiling.maxWallMillis() / 1000);
    }

    /** Stops every running task (each is marked failed, interrupted) and the workers. */
    @Deactivate
    void deactivate() {
        stopping = true;
        runner.shutdownNow();
        recovery.shutdownNow();
        for (Run run : active.values()) {
            Future<?> f = run.future;
            if (f != null) {
                f.cancel(true);
            }
        }
        try {
            runner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.values().forEach(ExecutorService::shutdownNow);
    }

    // ------------------------------------------------------------------------------------------ references

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindPlanner(Planner planner, Map<String, Object> properties) {
        planners.put(String.valueOf(properties.get(Planner.NAME)), planner);
    }

    void unbindPlanner(Planner planner, Map<String, Object> properties) {
        planners.remove(String.valueOf(properties.get(Planner.NAME)), planner);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindApprovals(Approvals service) {
        approvals = service;
    }

    void unbindApprovals(Approvals service) {
        if (approvals == service) {
            approvals = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindPublisher(EventPublisher service) {
        publisher = service;
    }

    void unbindPublisher(EventPublisher service) {
        if (publisher == service) {
            publisher = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindMemory(MemoryStore memory, Map<String, Object> properties) {
        memories.put(memory, String.valueOf(properties.getOrDefault(MemoryStore.BACKEND, "")));
    }

    void unbindMemory(MemoryStore memory) {
        memories.remove(memory);
    }

    // ------------------------------------------------------------------------------------------ the service

    @Override
    public Task submit(TaskRequest request) throws TaskException {
        Run run = create(request, null);
        Task accepted = run.snapshot(); // as accepted: once started, its thread may have planned it already
        start(run);
        return accepted;
    }

    /**
     * Checks a request and stores its task as created.
     *
     * @param parent the task whose step the new one is, or null
     */
    private Run create(TaskRequest request, Run parent) throws TaskException {
        if (request.goal().length() > MAX_GOAL) {
            throw new TaskException(Problem.INVALID, "the goal is longer than " + MAX_GOAL + " characters",
                Map.of("field", "goal", "maxLength", MAX_GOAL));
        }
        if (request.goal().isBlank() && request.plan().isEmpty()) {
            throw new TaskException(Problem.UNPROCESSABLE, "a task needs a goal or a plan",
                Map.of("field", "goal"));
        }
        TaskLimits limits = request.limits().within(ceiling);
        int depth = parent == null ? 0 : parent.depth + 1;
        int planned = countSteps(request.plan());
        if (planned > limits.maxSteps()) {
            throw new TaskException(Problem.UNPROCESSABLE, "the plan has " + planned + " steps (its sub-tasks' "
                + "included); the limit is " + limits.maxSteps(), Map.of("field", "plan", "limit", "max_steps",
                    "maxSteps", limits.maxSteps()));
        }
        checkPlan(request.plan(), request.profile(), "plan", depth);
        Instant now = Instant.now();
        Plan explicit = request.plan().isEmpty() ? null
            : new Plan("explicit", request.plan(), "the plan given in the request", 1);
        boolean joins = isHex(request.traceId(), 32);
        String traceId = joins ? request.traceId() : HexFormat.of().formatHex(bytes(16));
        Task task = new Task(randomId(), TaskStatus.CREATED, request.goal(), request.profile(), request.session(),
            request.caller(), traceId, limits, explicit, List.of(), 0, null, null, null, now, now, null);
        String parentSpanId = joins && isHex(request.parentSpanId(), 16) ? request.parentSpanId() : "";
        boolean sampled = parentSpanId.isEmpty() || request.sampled();
        StoredDocument stored = store.createTask(document(task, 0, parentSpanId, sampled));
        Run run = new Run(task, stored.version());
        run.parent = parent;
        run.depth = depth;
        run.parentSpanId = parentSpanId;
        run.sampled = sampled;
        run.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.maxWallMillis());
        return run;
    }

    /** @return the steps of a plan, its sub-tasks' explicit steps included */
    static int countSteps(List<PlannedStep> plan) {
        int n = plan.size();
        for (PlannedStep s : plan) {
            if (s.task() != null) {
                n += countSteps(s.task().plan());
            }
        }
        return n;
    }

    /** Every tool step names a visible tool, every sub-task has a goal or a plan and nests no deeper than allowed. */
    private void checkPlan(List<PlannedStep> plan, String profile, String field, int depth) throws TaskException {
        for (int i = 0; i < plan.size(); i++) {
            PlannedStep step = plan.get(i);
            String at = field + "[" + i + "]";
            SubTask sub = step.task();
            if (sub != null) {
                if (depth + sub.depth() > maxDepth) {
                    throw new TaskException(Problem.UNPROCESSABLE, at + ": sub-tasks nest " + (depth + sub.depth())
                        + " deep; the limit max_depth is " + maxDepth, Map.of("field", at + ".task", "limit",
                            "max_depth", "maxDepth", maxDepth));
                }
                if (sub.goal().isBlank() && sub.plan().isEmpty()) {
                    throw new TaskException(Problem.UNPROCESSABLE, at + ": a sub-task needs a goal or a plan",
                        Map.of("field", at + ".task"));
                }
                if (sub.goal().length() > MAX_GOAL) {
                    throw new TaskException(Problem.INVALID, at + ": the goal is longer than " + MAX_GOAL
                        + " characters", Map.of("field", at + ".task.goal", "maxLength", MAX_GOAL));
                }
                checkPlan(sub.plan(), profile, at + ".task.plan", depth + 1);
            } else if (registry.find(step.tool(), profile).isEmpty()) {
                String where = "plan".equals(field) ? "plan step " + i : at;
                throw new TaskException(Problem.UNPROCESSABLE, where + ": no tool named '" + step.tool()
                    + "' is visible to profile " + profile, Map.of("field", at + ".tool", "tool", step.tool()));
            }
        }
    }

    private static boolean isHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        boolean nonZero = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    private void start(Run run) throws TaskException {
        active.put(run.id, run);
        try {
            run.future = runner.submit(() -> execute(run));
        } catch (RejectedExecutionException e) {
            active.remove(run.id);
            synchronized (run) {
                run.move(TaskStatus.FAILED);
                run.errorCode = "overloaded";
                run.error = "too many tasks are running or queued; try again later";
                run.endedAt = Instant.now();
                persist(run);
            }
            throw new TaskException(Problem.OVERLOADED, run.error, Map.of());
        }
    }

    @Override
    public Optional<Task> get(String id) {
        Run run = active.get(id);
        if (run != null) {
            return Optional.of(run.snapshot());
        }
        return store.getTask(id).map(d -> TaskCodec.read(d.document()));
    }

    @Override
    public List<Task> list(String profile, String session, String caller, int limit) {
        List<Task> out = new ArrayList<>();
        for (StoredDocument d : store.listTasks(new TaskStore.Query(profile, session, caller, null, limit))) {
            Run run = active.get(d.id());
            out.add(run != null ? run.snapshot() : TaskCodec.read(d.document()));
        }
        return out;
    }

    @Override
    public Task cancel(String id) throws TaskException {
        Run run = active.get(id);
        if (run == null) {
            Task task = get(id).orElseThrow(() -> notFound(id));
            if (task.status().ended()) {
                throw new TaskException(Problem.CONFLICT, "task " + id + " has ended already (" + task.status()
                    .label() + ")", Map.of("status", task.status().label()));
            }
            throw new TaskException(Problem.CONFLICT, "task " + id + " runs on another server; cancel it there",
                Map.of("status", task.status().label()));
        }
        Future<?> f = run.future;
        synchronized (run) {
            run.cancelRequested = true;
            if (!run.started) {
                // it never started, and now never will: nobody else writes it
                if (f != null) {
                    f.cancel(false);
                }
                finishCancelled(run);
                active.remove(id);
            }
        }
        if (run.started) {
            if (f != null) {
                f.cancel(true);
            }
            awaitEnd(run, 5_000);
        } else {
            publish(run, EventTypes.EXECUTION_ERROR, "cancelled", Map.of("errorCode", "cancelled"));
            ended(run);
        }
        return run.snapshot();
    }

    private static void awaitEnd(Run run, long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (run) {
            while (!run.ended && System.nanoTime() < end) {
                try {
                    run.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public Task resume(String id) throws TaskException {
        if (active.containsKey(id)) {
            throw new TaskException(Problem.CONFLICT, "task " + id + " is running", Map.of());
        }
        StoredDocument doc = store.getTask(id).orElseThrow(() -> notFound(id));
        Task task = TaskCodec.read(doc.document());
        if (task.status() != TaskStatus.FAILED || task.plan() == null || task.steps().isEmpty()) {
            throw new TaskException(Problem.CONFLICT, "only a failed task whose steps were planned can be resumed; "
                + "task " + id + " is " + task.status().label(), Map.of("status", task.status().label()));
        }
        Run run = new Run(task, doc.version());
        run.parentSpanId = TaskCodec.parentSpanId(doc.document()); // still the caller's span's child
        run.sampled = TaskCodec.parentSampled(doc.document());
        synchronized (run) {
            run.move(TaskStatus.EXECUTING);
            for (Run.StepState s : run.steps) {
                if (s.status == StepStatus.FAILED) {
                    s.move(StepStatus.PENDING);
                    s.errorCode = "";
                    s.error = "";
                    s.endedAt = null;
                }
            }
            run.errorCode = "";
            run.error = "";
            run.endedAt = null;
            run.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(run.limits.maxWallMillis());
            persist(run);
        }
        publish(run, "agent.task.resumed", "ok", Map.of());
        start(run);
        return run.snapshot();
    }

    @Override
    public AutoCloseable follow(String id, TaskListener listener) throws TaskException {
        Run run = active.get(id);
        if (run != null) {
            synchronized (run) {
                if (!run.ended) {
                    run.listeners.add(listener);
                    return () -> run.listeners.remove(listener);
                }
            }
            listener.ended(run.snapshot());
            return () -> { };
        }
        Task task = get(id).orElseThrow(() -> notFound(id));
        listener.ended(task);
        return () -> { };
    }

    private static TaskException notFound(String id) {
        return new TaskException(Problem.NOT_FOUND, "no task with id '" + id + "'", Map.of("id", id));
    }

    // ------------------------------------------------------------------------------------------ running

    /** Ends a task early, with a status and a reason. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        Stop(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private void execute(Run run) {
        synchronized (run) {
            if (run.cancelRequested) {
                return; // cancelled before it started: cancel() ended it
            }
            run.started = true;
            run.startedAt = Instant.now();
        }
        try {
            if (run.status == TaskStatus.CREATED) {
                plan(run);
                route(run);
            }
            synchronized (run) {
                if (run.status != TaskStatus.EXECUTING) {
                    run.move(TaskStatus.EXECUTING);
                }
                persist(run);
            }
            publish(run, EventTypes.EXECUTION_START, "ok", Map.of("steps", run.steps.size()));
            int next = 0;
            do {
                for (; next < run.steps.size(); next++) {
                    Run.StepState step = run.steps.get(next);
                    if (step.status == StepStatus.SUCCEEDED) {
                        continue; // resumed: its result stands
                    }
                    runStep(run, step);
                }
            } while (modelPlanned(run) && extend(run));
            complete(run);
        } catch (InterruptedException e) {
            interrupted(run);
        } catch (Stop e) {
            if (cancelled(run) && !stopping) {
                interrupted(run);
            } else {
                fail(run, e.code, e.getMessage());
            }
        } catch (StoreUnavailableException e) {
            if (cancelled(run) && !stopping) {
                // the cancel's interrupt reached a store call
                interrupted(run);
                return;
            }
            LOG.warn("Task {} failed: the store is unavailable: {}", run.id, e.getMessage());
            fail(run, "store_unavailable", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Task {} failed unexpectedly", run.id, e);
            fail(run, "internal_error", "the task failed unexpectedly; the error is logged under trace "
                + run.traceId);
        } finally {
            active.remove(run.id);
            ended(run);
        }
    }

    /** @return whether the task or a task it is a sub-task of was cancelled */
    private static boolean cancelled(Run run) {
        for (Run r = run; r != null; r = r.parent) {
            if (r.cancelRequested) {
                return true;
            }
        }
        return false;
    }

    private void interrupted(Run run) {
        Thread.interrupted(); // the store's connections must not see the interrupt
        if (stopping) {
            fail(run, "interrupted", "the server stopped while the task ran");
        } else {
            synchronized (run) {
                finishCancelled(run);
            }
            publish(run, EventTypes.EXECUTION_ERROR, "cancelled", Map.of("errorCode", "cancelled"));
        }
    }

    /** @return the planner to use for a task of this profile */
    private String plannerFor(String profile) {
        if (!plannerName.isBlank() && !AUTO.equals(plannerName)) {
            return plannerName;
        }
        return planners.containsKey(ModelPlanner.NAME) && registry.find(ModelChatTool.NAME, profile).isPresent()
            ? ModelPlanner.NAME : OfflinePlanner.NAME;
    }

    private static boolean modelPlanned(Run run) {
        return run.plan != null && ModelPlanner.NAME.equals(run.plan.planner());
    }

    /**
     * The model planner's loop: after the steps so far, adds the tool calls the model asked for, or the next
     * model step with their results.
     *
     * @return false when the model answered (the task is done)
     */
    private boolean extend(Run run) throws Stop {
        List<ModelPlanner.Done> done = new ArrayList<>();
        for (Run.StepState s : run.steps) {
            done.add(new ModelPlanner.Done(s.tool, s.arguments, s.result));
        }
        ModelPlanner.Next next = ModelPlanner.next(done);
        List<PlannedStep> add;
        if (next instanceof ModelPlanner.Answer) {
            return false;
        } else if (next instanceof ModelPlanner.Calls calls) {
            if (!calls.problem().isEmpty()) {
                throw new Stop("model_bad_response", "the model's answer cannot be run: " + calls.problem());
            }
            add = calls.steps();
        } else {
            add = List.of(new PlannedStep(ModelChatTool.NAME, ((ModelPlanner.Ask) next).arguments(),
                "the model gets the results"));
        }
        if (run.stepsUsed() + add.size() > run.limits.maxSteps()) {
            throw new Stop("limit_exceeded", "the model's plan needs " + (run.stepsUsed() + add.size())
                + " steps; the limit max_steps is " + run.limits.maxSteps());
        }
        for (PlannedStep p : add) {
            Run.StepState step;
            synchronized (run) {
                step = new Run.StepState(run.steps.size(), p.tool(), p.arguments());
                run.steps.add(step);
                persist(run);
            }
            try {
                routeStep(run, step);
            } catch (Stop e) {
                failStep(run, step, e.code, e.getMessage());
                throw new Stop("step_failed", "step " + step.index + " (" + step.tool + ") failed: the model asked "
                    + "for a tool that is not visible: " + e.getMessage());
            }
        }
        publish(run, "agent.plan.extended", "ok", Map.of("planner", ModelPlanner.NAME, "steps", run.steps.size(),
            "tools", add.stream().map(PlannedStep::tool).toList()));
        return true;
    }

    private void plan(Run run) throws Stop {
        if (run.plan == null) {
            String plannerName = plannerFor(run.profile);
            Planner planner = planners.get(plannerName);
            if (planner == null) {
                throw new Stop("no_planner", "planner '" + plannerName + "' is not available");
            }
            List<ToolDescriptor> tools = registry.visible(run.profile);
            List<String> memory = recall(run);
            Plan plan = planner.plan(new Planner.Context(run.goal, run.profile, run.session, tools, memory,
                run.limits.maxSteps()));
            run.plan = plan;
            auditDecision(run, "planning", "plan", plannerName, "", plan.explanation(),
                plan.steps().stream().map(PlannedStep::tool).toList(), plan.confidence(), Map.of());
            if (plan.steps().isEmpty()) {
                publish(run, EventTypes.PLAN_CREATED, "error", Map.of("planner", plan.planner(), "steps", 0,
                    "explanation", plan.explanation()));
                throw new Stop("no_plan", "no plan for this goal: " + plan.explanation());
            }
        }
        synchronized (run) {
            for (int i = 0; i < run.plan.steps().size(); i++) {
                PlannedStep s = run.plan.steps().get(i);
                run.steps.add(new Run.StepState(i, s));
            }
            run.move(TaskStatus.PLANNED);
            persist(run);
        }
        publish(run, EventTypes.PLAN_CREATED, "ok", Map.of("planner", run.plan.planner(), "steps",
            run.plan.steps().size(), "tools", run.plan.steps().stream().map(PlannedStep::tool).toList(),
            "confidence", run.plan.confidence()));
        int planned = countSteps(run.plan.steps());
        if (planned > run.limits.maxSteps()) {
            throw new Stop("limit_exceeded", "the plan has " + planned + " steps; the limit "
                + "max_steps is " + run.limits.maxSteps());
        }
    }

    private void route(Run run) throws Stop {
        for (Run.StepState step : run.steps) {
            routeStep(run, step);
        }
        synchronized (run) {
            run.move(TaskStatus.ROUTED);
            persist(run);
        }
    }

    private void routeStep(Run run, Run.StepState step) throws Stop {
        if (step.task != null) {
            return; // a sub-task: run on this task's thread, its own steps are routed when it runs
        }
        {
            ToolDescriptor tool = registry.find(step.tool, run.profile).orElse(null);
            if (tool == null) {
                throw new Stop("unknown_tool", "step " + step.index + ": no tool named '" + step.tool
                    + "' is visible to profile " + run.profile);
            }
            Coordinator.Route route = coordinator.route(tool);
            synchronized (run) {
                step.worker = route.worker();
            }
            auditDecision(run, "routing", "route", route.worker(), step.tool, route.reason(), route.alternatives(),
                route.confidence(), Map.of("strategy", route.strategy().label(), "step", step.index));
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put("taskId", run.id);
            attrs.put("step", step.index);
            attrs.put("tool", step.tool);
            attrs.put("worker", route.worker());
            attrs.put("strategy", route.strategy().label());
            attrs.put("reason", route.reason());
            attrs.put("alternatives", route.alternatives());
            attrs.put("confidence", route.confidence());
            publish(run, EventTypes.ROUTE_DECISION, "ok", attrs);
        }
    }

    private void runStep(Run run, Run.StepState step) throws InterruptedException, Stop {
        checkCancelAndTime(run);
        if (step.task != null) {
            runSubTask(run, step);
            return;
        }
        synchronized (run) {
            step.move(StepStatus.RUNNING);
            step.attemptsThisRun = 0;
            if (step.startedAt == null) {
                step.startedAt = Instant.now();
            }
            persist(run);
        }
        while (true) {
            checkCancelAndTime(run);
            if (run.toolCalls >= run.limits.maxToolCalls()) {
                failStep(run, step, "limit_exceeded", "the task made " + run.toolCalls + " tool calls; the limit "
                    + "max_tool_calls is " + run.limits.maxToolCalls());
                throw new Stop("limit_exceeded", "the task made " + run.toolCalls + " tool calls; the limit "
                    + "max_tool_calls is " + run.limits.maxToolCalls());
            }
            synchronized (run) {
                step.attempts++;
                step.attemptsThisRun++;
                run.toolCalls++;
            }
            publish(run, STEP_START, "ok", stepAttributes(run, step));
            CallOutcome outcome = call(run, step);
            synchronized (run) {
                record(step, outcome);
                persist(run);
            }
            if (outcome.ok()) {
                succeed(run, step, outcome.result());
                return;
            }
            if (outcome.status() == CallOutcome.Status.APPROVAL_REQUIRED) {
                awaitApproval(run, step, String.valueOf(outcome.details().get(CallOutcome.APPROVAL_ID)));
                return;
            }
            Failures kind = Failures.of(outcome);
            String message = outcome.message() == null ? outcome.status().name() : outcome.message();
            if (Failures.retryable(outcome) && retry.allowsAnother(step.attemptsThisRun)) {
                long delay = retry.delayMillis(step.attemptsThisRun, ThreadLocalRandom.current());
                LOG.info("Task {} step {} ({}) attempt {} failed ({}, {}): retrying in {} ms", run.id, step.index,
                    step.tool, step.attempts, outcome.status(), kind.label(), delay);
                sleep(run, delay);
                continue;
            }
            String code = outcome.errorCode() == null ? outcome.status().name().toLowerCase() : outcome.errorCode();
            failStep(run, step, code, kind.label() + " failure after " + step.attemptsThisRun + " attempt"
                + (step.attemptsThisRun == 1 ? "" : "s") + ": " + message);
            throw new Stop("step_failed", "step " + step.index + " (" + step.tool + ") failed: " + message);
        }
    }

    /**
     * Runs a sub-task step: a task of its own (stored, listed, cancellable, with its own events) made through
     * {@link #create} with this task's profile, session, caller and trace, run on this task's thread under what is
     * left of this task's limits. Its answer is the step's result; its failure the step's failure (its own steps
     * were retried under the retry policy, so the sub-task is not run again). Cancelling this task cancels it.
     */
    private void runSubTask(Run run, Run.StepState step) throws InterruptedException, Stop {
        SubTask sub = step.task;
        long wallLeft = TimeUnit.NANOSECONDS.toMillis(run.deadlineNanos - System.nanoTime());
        int stepsLeft = run.limits.maxSteps() - run.stepsUsed();
        int callsLeft = run.limits.maxToolCalls() - run.toolCalls;
        if (stepsLeft < 1 || callsLeft < 1) {
            String why = stepsLeft < 1 ? "the task used " + run.stepsUsed() + " steps; the limit max_steps is "
                + run.limits.maxSteps() : "the task made " + run.toolCalls + " tool calls; the limit "
                + "max_tool_calls is " + run.limits.maxToolCalls();
            failStep(run, step, "limit_exceeded", why);
            throw new Stop("limit_exceeded", why);
        }
        TaskRequest request = new TaskRequest(sub.goal(), sub.plan(), run.profile, run.session, run.caller,
            new TaskLimits(stepsLeft, callsLeft, Math.max(1, wallLeft)), run.traceId, run.spanId, run.sampled);
        Run child;
        try {
            child = create(request, run);
        } catch (TaskException e) {
            failStep(run, step, "invalid_subtask", "user failure: the sub-task cannot run: " + e.getMessage());
            throw new Stop("step_failed", "step " + step.index + " (sub-task) cannot run: " + e.getMessage());
        }
        child.deadlineNanos = run.deadlineNanos;
        synchronized (run) {
            step.move(StepStatus.RUNNING);
            step.attempts++;
            step.attemptsThisRun++;
            if (step.startedAt == null) {
                step.startedAt = Instant.now();
            }
            step.worker = "";
            step.child = child;
            step.subtask = null;
            persist(run);
        }
        Map<String, Object> startAttrs = stepAttributes(run, step);
        startAttrs.put("subtaskId", child.id);
        publish(run, STEP_START, "ok", startAttrs);
        active.put(child.id, child);
        try {
            execute(child);
        } finally {
            synchronized (run) {
                step.subtask = child.snapshot();
                step.child = null;
                step.callId = "";
                step.outcome = child.status.label();
                run.toolCalls += child.toolCalls;
                run.nestedSteps += child.stepsUsed();
            }
        }
        if (run.cancelRequested || Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("cancelled");
        }
        checkCancelAndTime(run);
        if (child.status == TaskStatus.COMPLETED) {
            succeed(run, step, child.answer);
            return;
        }
        String code = child.errorCode.isEmpty() ? "subtask_failed" : child.errorCode;
        for (Run.StepState s : child.steps) {
            if (s.status == StepStatus.FAILED && !s.errorCode.isEmpty()) {
                code = s.errorCode; // the failed call's own code: denied, tool_failed, ...
                break;
            }
        }
        String message = "sub-task " + child.id + " " + child.status.label() + ": " + child.error;
        failStep(run, step, code, message);
        throw new Stop("limit_exceeded".equals(child.errorCode) ? "limit_exceeded" : "step_failed", "step "
            + step.index + " (sub-task) failed: " + message);
    }

    private CallOutcome call(Run run, Run.StepState step) throws InterruptedException, Stop {
        CallRequest request = new CallRequest(step.tool, step.arguments, run.caller, run.profile, run.session,
            run.traceId, run.spanId, run.sampled);
        ExecutorService worker = workers.get(step.worker);
        if (worker == null) {
            worker = workers.values().iterator().next();
        }
        Future<CallOutcome> f = worker.submit(() -> dispatcher.dispatch(request));
        try {
            long remaining = run.deadlineNanos - System.nanoTime();
            return f.get(Math.max(1, remaining), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            String message = "the task ran longer than max_wall_time (" + run.limits.maxWallMillis() + " ms)";
            failStep(run, step, "limit_exceeded", message);
            throw new Stop("limit_exceeded", message);
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            LOG.error("Task {} step {}: the dispatcher threw", run.id, step.index, e.getCause());
            return new CallOutcome(CallOutcome.Status.TOOL_FAILED, step.tool, "", run.traceId, null, "tool_failed",
                "the call failed unexpectedly", Map.of(), Decision.allow(), 0);
        }
    }

    private static void record(Run.StepState step, CallOutcome outcome) {
        Decision d = outcome.decision();
        Map<String, Object> decision = new LinkedHashMap<>();
        if (d != null) {
            decision.put("verdict", d.verdict().name());
            decision.put("guardrail", d.guardrail());
            decision.put("rule", d.rule());
            decision.put("reason", d.reason());
        }
        step.decision = decision;
        step.outcome = outcome.status().name();
        step.callId = outcome.callId() == null ? "" : outcome.callId();
    }

    private void succeed(Run run, Run.StepState step, Object result) {
        synchronized (run) {
            step.move(StepStatus.SUCCEEDED);
            step.result = result;
            step.errorCode = "";
            step.error = "";
            step.endedAt = Instant.now();
            persist(run);
        }
        publish(run, STEP_END, "ok", stepAttributes(run, step));
    }

    private void failStep(Run run, Run.StepState step, String code, String message) {
        synchronized (run) {
            if (step.status.canMoveTo(StepStatus.FAILED)) {
                step.move(StepStatus.FAILED);
            }
            step.errorCode = code;
            step.error = message;
            step.endedAt = Instant.now();
            persist(run);
        }
        Map<String, Object> attrs = stepAttributes(run, step);
        attrs.put("errorCode", code);
        publish(run, STEP_END, "error", attrs);
    }

    private void awaitApproval(Run run, Run.StepState step, String approvalId)
        throws InterruptedException, Stop {
        synchronized (run) {
            step.move(StepStatus.WAITING_APPROVAL);
            step.approvalId = approvalId;
            run.move(TaskStatus.WAITING_APPROVAL);
            persist(run);
        }
        Map<String, Object> attrs = stepAttributes(run, step);
        attrs.put("approvalId", approvalId);
        publish(run, STEP_WAITING, "waiting", attrs);
        while (true) {
            checkCancelAndTime(run);
            Approvals service = approvals;
            if (service == null) {
                failStep(run, step, "approvals_unavailable", "the approvals service is not available");
                throw new Stop("step_failed", "step " + step.index + " waits for an approval, but the approvals "
                    + "service is not available");
            }
            Optional<Approval> found;
            try {
                found = service.get(approvalId);
            } catch (StoreUnavailableException e) {
                found = Optional.empty(); // try again at the next poll; the wall time bounds the wait
            }
            if (found.isPresent()) {
                Approval a = found.get();
                if (a.status() == Approval.Status.REJECTED || a.status() == Approval.Status.EXPIRED) {
                    synchronized (run) {
                        run.move(TaskStatus.EXECUTING);
                    }
                    String code = a.status() == Approval.Status.REJECTED ? "approval_rejected" : "approval_expired";
                    String why = a.status() == Approval.Status.REJECTED ? "rejected by " + a.decidedBy()
                        + (a.decisionReason().isEmpty() ? "" : ": " + a.decisionReason()) : "nobody decided in time";
                    step.outcome = "DENIED";
                    failStep(run, step, code, "approval " + approvalId + " " + why);
                    throw new Stop("step_failed", "step " + step.index + " (" + step.tool + ") was not approved: "
                        + why);
                }
                if (a.status() == Approval.Status.APPROVED && !a.outcome().isEmpty()) {
                    synchronized (run) {
                        step.move(StepStatus.RUNNING);
                        run.move(TaskStatus.EXECUTING);
                        step.outcome = String.valueOf(a.outcome().get("status"));
                        step.decision = Map.of("verdict", "ALLOW", "guardrail", "approval", "rule", "approved",
                            "reason", "approved by " + a.decidedBy());
                    }
                    if ("OK".equals(a.outcome().get("status"))) {
                        succeed(run, step, a.outcome().get("result"));
                        return;
                    }
                    Object error = a.outcome().get("error");
                    String code = error instanceof Map<?, ?> m && m.get("code") != null ? String.valueOf(m.get("code"))
                        : "tool_failed";
                    String message = error instanceof Map<?, ?> m && m.get("message") != null
                        ? String.valueOf(m.get("message")) : "the approved call failed";
                    failStep(run, step, code, "the approved call failed: " + message);
                    throw new Stop("step_failed", "step " + step.index + " (" + step.tool + ") failed after "
                        + "approval: " + message);
                }
            }
            sleep(run, pollMillis);
        }
    }

    private void checkCancelAndTime(Run run) throws InterruptedException, Stop {
        if (run.cancelRequested || Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("cancelled");
        }
        for (Run p = run.parent; p != null; p = p.parent) {
            if (p.cancelRequested) {
                throw new InterruptedException("cancelled with task " + p.id);
            }
        }
        if (System.nanoTime() - run.deadlineNanos > 0) {
            for (Run.StepState s : run.steps) {
                if (s.status == StepStatus.RUNNING || s.status == StepStatus.WAITING_APPROVAL) {
                    synchronized (run) {
                        if (run.status == TaskStatus.WAITING_APPROVAL) {
                            run.move(TaskStatus.EXECUTING);
                        }
                    }
                    failStep(run, s, "limit_exceeded", "max_wall_time reached");
                }
            }
            throw new Stop("limit_exceeded", "the task ran longer than max_wall_time ("
                + run.limits.maxWallMillis() + " ms)");
        }
    }

    private static void sleep(Run run, long millis) throws InterruptedException {
        long remaining = TimeUnit.NANOSECONDS.toMillis(run.deadlineNanos - System.nanoTime());
        Thread.sleep(Math.max(0, Math.min(millis, remaining + 1)));
    }

    private void complete(Run run) {
        Run.StepState last = run.steps.get(run.steps.size() - 1);
        Object answer = modelPlanned(run) && last.result instanceof Map<?, ?> m && m.get("text") != null
            ? m.get("text") : last.result;
        if (run.parent == null) {
            // before the task shows as completed: a client that sees it completed and sends the session's next
            // turn at once must find this answer there
            remember(run, answer);
        }
        synchronized (run) {
            run.answer = answer;
            run.move(TaskStatus.COMPLETED);
            run.endedAt = Instant.now();
            persist(run);
        }
        publish(run, EventTypes.EXECUTION_COMPLETE, "ok", Map.of("steps", run.steps.size(), "toolCalls",
            run.toolCalls));
    }

    private void fail(Run run, String code, String message) {
        synchronized (run) {
            if (run.status == TaskStatus.WAITING_APPROVAL) {
                run.move(TaskStatus.EXECUTING);
            }
            if (run.status.canMoveTo(TaskStatus.FAILED)) {
                run.move(TaskStatus.FAILED);
            }
            run.errorCode = code;
            run.error = message == null ? code : message;
            run.endedAt = Instant.now();
            // steps after the failed one stay pending, so a resume runs them
            try {
                persist(run);
            } catch (StoreUnavailableException e) {
                LOG.warn("Task {} failed ({}) and its end could not be stored: {}", run.id, code, e.getMessage());
            }
        }
        publish(run, EventTypes.EXECUTION_ERROR, "error", Map.of("errorCode", code, "error", run.error,
            "toolCalls", run.toolCalls));
    }

    private void finishCancelled(Run run) {
        for (Run.StepState s : run.steps) {
            if (s.status == StepStatus.PENDING || s.status == StepStatus.RUNNING
                || s.status == StepStatus.WAITING_APPROVAL) {
                s.move(StepStatus.SKIPPED);
                s.endedAt = Instant.now();
            }
        }
        run.move(TaskStatus.CANCELLED);
        run.errorCode = "cancelled";
        run.error = "cancelled by its caller";
        run.endedAt = Instant.now();
        try {
            persist(run);
        } catch (StoreUnavailableException e) {
            LOG.warn("Task {} was cancelled and that could not be stored: {}", run.id, e.getMessage());
        }
    }

    private void ended(Run run) {
        Task task;
        synchronized (run) {
            run.ended = true;
            run.notifyAll();
            task = run.snapshot();
        }
        for (TaskListener l : run.listeners) {
            try {
                l.ended(task);
            } catch (RuntimeException e) {
                LOG.debug("A follower of task {} failed: {}", run.id, e.toString());
            }
        }
        run.listeners.clear();
    }

    // ------------------------------------------------------------------------------------------ memory

    private MemoryStore memory() {
        return memoryEnabled ? pickMemory(memories, memoryBackend) : null;
    }

    /**
     * @param running the backends running, with their names
     * @param wanted {@code auto} or a backend's name
     * @return the backend to use: the named one, or for auto the most durable one (postgres, sqlite, any other,
     *     the in-memory one last); null when none fits
     */
    static MemoryStore pickMemory(Map<MemoryStore, String> running, String wanted) {
        return running.entrySet().stream()
            .filter(e -> "auto".equals(wanted) || e.getValue().equals(wanted))
            .min(Comparator.comparingInt((Map.Entry<MemoryStore, String> e) -> durability(e.getValue()))
                .thenComparing(Map.Entry::getValue))
            .map(Map.Entry::getKey).orElse(null);
    }

    /** @return a memory backend's place for auto: the most durable first */
    private static int durability(String backend) {
        return switch (backend) {
            case "postgres" -> 0;
            case "sqlite" -> 1;
            case "memory" -> 3;
            default -> 2;
        };
    }

    /** @return the session's last answer first, then the session's newest memories */
    private List<String> recall(Run run) {
        List<String> texts = new ArrayList<>();
        if (!run.session.isEmpty()) {
            store.getSession(run.profile, run.session).ifPresent(s -> {
                List<?> turns = turns(s.document());
                if (!turns.isEmpty() && turns.get(turns.size() - 1) instanceof Map<?, ?> last) {
                    texts.add(String.valueOf(last.get("goal")) + " => " + last.get("answer"));
                }
            });
        }
        MemoryStore memory = memory();
        if (memory != null && !run.session.isEmpty()) {
            try {
                List<MemoryHit> hits = search(memory, new MemoryScope(run.profile, run.session), run.goal);
                hits.forEach(h -> texts.add(h.entry().text()));
                publish(run, EventTypes.MEMORY_QUERY, "ok", Map.of("taskId", run.id, "hits", hits.size(),
                    "words", Words.content(run.goal).stream().limit(MEMORY_WORDS).toList()));
            } catch (RuntimeException e) {
                LOG.warn("Task {}: memory could not be read: {}", run.id, e.toString());
                publish(run, EventTypes.MEMORY_QUERY, "error", Map.of("taskId", run.id, "error", e.toString()));
            }
        }
        return texts;
    }

    /**
     * Text search on the goal: each content word of the goal is searched (memory matches whole words, all of a
     * query's words), the entries found by the most words first (newest first on ties), then the newest
     * entries until {@value #MEMORY_HITS}. The session's entries only: never another profile's or session's.
     */
    static List<MemoryHit> search(MemoryStore memory, MemoryScope scope, String goal) {
        Map<String, MemoryHit> found = new LinkedHashMap<>();
        Map<String, Integer> words = new java.util.HashMap<>();
        for (String w : Words.content(goal).stream().limit(MEMORY_WORDS).toList()) {
            for (MemoryHit h : memory.search(scope, new MemoryQuery(w, Map.of(), false, 20, null))) {
                found.putIfAbsent(h.entry().id(), h);
                words.merge(h.entry().id(), 1, Integer::sum);
            }
        }
        List<MemoryHit> out = new ArrayList<>(found.values());
        out.sort(java.util.Comparator.comparingInt((MemoryHit h) -> words.get(h.entry().id())).reversed()
            .thenComparing(h -> h.entry().createdAt(), java.util.Comparator.reverseOrder()));
        if (out.size() > MEMORY_HITS) {
            out = new ArrayList<>(out.subList(0, MEMORY_HITS));
        }
        if (out.size() < MEMORY_HITS) {
            for (MemoryHit h : memory.search(scope, new MemoryQuery("", Map.of(), false, MEMORY_HITS, null))) {
                if (out.size() < MEMORY_HITS && !found.containsKey(h.entry().id())) {
                    out.add(h);
                }
            }
        }
        return out;
    }

    private void remember(Run run, Object result) {
        String answer = answerText(result);
        if (!run.session.isEmpty()) {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Optional<StoredDocument> current = store.getSession(run.profile, run.session);
                    List<Object> turns = new ArrayList<>(current.map(d -> turns(d.document())).orElse(List.of()));
                    turns.add(Map.of("taskId", run.id, "goal", run.goal, "answer", answer, "at",
                        Instant.now().toString()));
                    while (turns.size() > MAX_TURNS) {
                        turns.remove(0);
                    }
                    String doc = TaskCodec.JSON.writeValueAsString(Map.of("id", run.session, "profile", run.profile,
                        "turns", turns));
                    store.saveSession(new StoredDocument(run.session, current.map(StoredDocument::version).orElse(0L),
                        "", run.profile, "", run.caller, current.map(StoredDocument::createdAt).orElse(Instant.now()),
                        null, doc));
                    break;
                } catch (TaskStore.VersionConflictException e) {
                    LOG.debug("Session {} changed meanwhile; trying again", run.session);
                } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                    LOG.warn("Task {}: the session {} could not be updated: {}", run.id, run.session, e.toString());
                    break;
                }
            }
        }
        MemoryStore memory = memory();
        if (memory != null) {
            try {
                MemoryEntry entry = memory.put(new MemoryEntry("", new MemoryScope(run.profile, run.session),
                    run.goal + " => " + answer, Map.of("kind", "task.answer", "taskId", run.id), null, null));
                publish(run, EventTypes.MEMORY_STORE, "ok", Map.of("taskId", run.id, "entry", entry.id()));
            } catch (RuntimeException e) {
                LOG.warn("Task {}: the answer could not be stored in memory: {}", run.id, e.toString());
                publish(run, EventTypes.MEMORY_STORE, "error", Map.of("taskId", run.id, "error", e.toString()));
            }
        }
    }

    private static List<?> turns(String document) {
        try {
            Object turns = TaskCodec.JSON.readValue(document, Map.class).get("turns");
            return turns instanceof List<?> l ? l : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** @return a short text of an answer: the calculator's value, a string, or the JSON */
    static String answerText(Object answer) {
        if (answer instanceof Map<?, ?> m && m.containsKey("value")) {
            return String.valueOf(m.get("value"));
        }
        if (answer instanceof String s) {
            return s;
        }
        try {
            return TaskCodec.JSON.writeValueAsString(answer);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(answer);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private void persist(Run run) {
        run.updatedAt = Instant.now();
        Task task = run.snapshot();
        StoredDocument stored = store.updateTask(document(task, run.version, run.parentSpanId, run.sampled));
        run.version = stored.version();
    }

    private StoredDocument document(Task task, long version, String parentSpanId, boolean sampled) {
        return new StoredDocument(task.id(), version, task.status().label(), task.profile(), task.session(),
            task.caller(), task.createdAt(), task.updatedAt(), TaskCodec.write(task, parentSpanId, sampled,
                store.instance()));
    }

    private void auditDecision(Run run, String type, String stage, String target, String tool, String reason,
        List<String> alternatives, double confidence, Map<String, Object> extra) {
        Map<String, Object> data = new LinkedHashMap<>(extra);
        data.put("taskId", run.id);
        data.put("decisionType", type);
        data.put("stage", stage);
        data.put("target", target);
        data.put("reason", reason);
        data.put("alternatives", alternatives);
        data.put("confidence", confidence);
        audit.append(List.of(new AuditRecord(0, randomId(), Instant.now(), AuditRecord.AGENT, run.traceId, "",
            run.profile, run.session, run.caller, tool, "", List.of(), "", reason, "", 0, "", data, "", "")));
    }

    private Map<String, Object> stepAttributes(Run run, Run.StepState step) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("taskId", run.id);
        attrs.put("step", step.index);
        attrs.put("tool", step.tool);
        attrs.put("worker", step.worker);
        attrs.put("attempt", step.attempts);
        attrs.put("status", step.status.label());
        attrs.put("outcome", step.outcome);
        attrs.put("callId", step.callId);
        return attrs;
    }

    private void publish(Run run, String type, String status, Map<String, Object> attributes) {
        Map<String, Object> attrs = new LinkedHashMap<>(attributes);
        attrs.putIfAbsent("taskId", run.id);
        attrs.put("taskStatus", run.status.label());
        Instant now = Instant.now();
        long duration = 0;
        if (type.startsWith("execution.")) {
            // what the OpenTelemetry exporter makes the task's invoke_agent span of
            Instant started = run.startedAt != null ? run.startedAt : run.createdAt;
            attrs.put("agent", agent(run));
            attrs.put("agentId", run.id);
            attrs.put("spanId", run.spanId);
            attrs.put("parentSpanId", run.parentSpanId);
            if (!run.sampled) {
                attrs.put("sampled", false); // the caller does not record this trace
            }
            attrs.put("startedAt", started.toString());
            attrs.put("caller", run.caller);
            attrs.put("depth", run.depth);
            if (!EventTypes.EXECUTION_START.equals(type)) {
                duration = Math.max(0, java.time.Duration.between(started, now).toNanos());
            }
        }
        Event event = new Event(type, now, run.traceId, run.profile, run.session, status, duration, attrs);
        EventPublisher p = publisher;
        if (p != null) {
            p.publish(event);
        }
        tell(run, event);
        if (run.parent != null) {
            // the followers of the tasks this one is a sub-task of see its events too, marked with its id
            Map<String, Object> nested = new LinkedHashMap<>(attrs);
            nested.put("subtaskId", run.id);
            nested.put("subtaskDepth", run.depth);
            Event forwarded = new Event(type, now, run.traceId, run.profile, run.session, status, duration, nested);
            for (Run up = run.parent; up != null; up = up.parent) {
                tell(up, forwarded);
            }
        }
    }

    private static void tell(Run run, Event event) {
        for (TaskListener l : run.listeners) {
            try {
                l.event(event);
            } catch (RuntimeException e) {
                LOG.debug("A follower of task {} failed: {}", run.id, e.toString());
            }
        }
    }

    /** @return the agent a task's span is named after: its planner (offline, model, explicit), else the one due */
    private String agent(Run run) {
        return run.plan != null ? run.plan.planner() : plannerFor(run.profile);
    }

    /**
     * Marks open tasks whose server is gone as failed {@code interrupted}: those whose runner (the store instance
     * that last ran them) has not shown life for the store's lease, and, at start, those written before runners
     * were recorded. Tasks of this server and of live replicas are left alone.
     *
     * @param atStart whether this is the check at activation
     */
    private void recoverInterrupted(boolean atStart) {
        Set<String> open = Set.of("created", "planned", "routed", "executing", "waiting_approval");
        Map<String, Boolean> live = new HashMap<>();
        try {
            for (StoredDocument d : store.listTasks(new TaskStore.Query(null, null, null, open,
                TaskStore.Query.MAX_LIMIT))) {
                if (stopping || active.containsKey(d.id())) {
                    continue;
                }
                String runner = TaskCodec.runner(d.document());
                if (runner.isEmpty() ? !atStart : live.computeIfAbsent(runner, store::isLive)) {
                    continue;
                }
                Run run = new Run(TaskCodec.read(d.document()), d.version());
                run.parentSpanId = TaskCodec.parentSpanId(d.document());
                run.sampled = TaskCodec.parentSampled(d.document());
                synchronized (run) {
                    for (Run.StepState s : run.steps) {
                        if (s.status == StepStatus.RUNNING || s.status == StepStatus.WAITING_APPROVAL) {
                            s.move(StepStatus.FAILED);
                            s.errorCode = "interrupted";
                            s.error = "the server stopped while the step ran";
                            s.endedAt = Instant.now();
                        }
                    }
                    if (run.status == TaskStatus.WAITING_APPROVAL) {
                        run.move(TaskStatus.EXECUTING);
                    }
                    run.move(TaskStatus.FAILED);
                    run.errorCode = "interrupted";
                    run.error = "the server stopped while the task ran";
                    run.endedAt = Instant.now();
                    persist(run);
                }
                LOG.info("Task {} was interrupted: the server running it ({}) is gone; marked failed", run.id,
                    runner.isEmpty() ? "before a restart" : runner);
            }
        } catch (StoreUnavailableException | TaskStore.VersionConflictException e) {
            LOG.warn("Interrupted tasks could not be marked failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Interrupted tasks could not be checked: {}", e.toString());
        }
    }

    /** A .cfg file gives one string: "a, b" or "w1=READ; w2=WRITE,EXTERNAL" is split into its entries. */
    private static List<String> split(String[] values, String separator) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String part : v.split(separator)) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    private static String randomId() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(15));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** @return the risk tiers, for the docs' capability table */
    static List<RiskTier> tiers() {
        return List.of(RiskTier.values());
    }
}
