package io.cuga.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.SubTask;
import io.cuga.api.agent.Step;
import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskException;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskListener;
import io.cuga.api.agent.TaskRequest;
import io.cuga.api.agent.TaskService;
import io.cuga.api.event.Event;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The task routes, over the agents' {@link TaskService}: an agent submits a task (a goal, or an explicit plan),
 * reads it, lists its tasks, cancels or resumes one, and follows one as server-sent events until it ends. An
 * agent sees only its own tasks (any other id is 404); an admin sees every task. Without the service every route
 * answers 503 naming it.
 */
@Component(service = Servlet.class, configurationPid = ApiServlet.PID)
@HttpWhiteboardServletName(TaskServlet.NAME)
@HttpWhiteboardServletPattern({TaskServlet.BASE, TaskServlet.BASE + "/*"})
public final class TaskServlet extends JsonServlet {

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operations). */
    static final String NAME = "cuga.http.tasks";

    /** The base path. */
    static final String BASE = "/api/v1/tasks";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TaskServlet.class);
    private static final int MAX_ID = 128;
    private static final int MAX_PLAN = 100;
    /** Sub-tasks nest at most this deep in a request (the runtime's max_depth is the real bound). */
    private static final int MAX_NESTING = 10;
    private static final long HEARTBEAT_MILLIS = 15_000;
    private static final Set<String> FIELDS = Set.of("goal", "plan", "limits", "session", "profile");
    private static final Set<String> LIMIT_FIELDS = Set.of("maxSteps", "maxToolCalls", "maxWallSeconds");

    /** The routes of this servlet; the OpenAPI document lists exactly these under {@value #NAME}. */
    enum TaskRoute implements Endpoint {
        /** Submit a task. */
        SUBMIT("POST", BASE),
        /** The caller's tasks. */
        LIST("GET", BASE),
        /** One task. */
        SHOW("GET", BASE + "/{id}"),
        /** Cancel a task. */
        CANCEL("POST", BASE + "/{id}/cancel"),
        /** Resume a failed task from its failed step. */
        RESUME("POST", BASE + "/{id}/resume"),
        /** Follow a task as server-sent events. */
        EVENTS("GET", BASE + "/{id}/events");

        private final String method;
        private final String template;

        TaskRoute(String method, String template) {
            this.method = method;
            this.template = template;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String template() {
            return template;
        }

        @Override
        public Role role() {
            return Role.AGENT;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<TaskService> tasks = new AtomicReference<>();
    private final transient AtomicLong sequence = new AtomicLong();
    private volatile long maxBodyBytes;

    /**
     * @param authenticator the bearer tokens
     * @param config the API's configuration (for the body limit)
     */
    @Activate
    public TaskServlet(@Reference TokenAuthenticator authenticator, ApiServlet.Config config) {
        this.authenticator = authenticator;
        modified(config);
    }

    /** @param config the API's configuration */
    @Modified
    void modified(ApiServlet.Config config) {
        long limit = config.max_body_bytes();
        maxBodyBytes = limit > 0 ? limit : ApiServlet.DEFAULT_MAX_BODY;
    }

    /** @param service the task runtime */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindTasks(TaskService service) {
        tasks.set(service);
    }

    /** @param service the task runtime going away */
    void unbindTasks(TaskService service) {
        tasks.compareAndSet(service, null);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        String[] segments = Router.split(path);
        TaskRoute route = Endpoint.route(TaskRoute.values(), method, segments);
        Caller caller = Auth.caller(authenticator, request, route.role());
        TaskService service = tasks.get();
        if (service == null) {
            throw missing("tasks (the agents, bundle cuga.agents)", TaskService.class.getName());
        }
        switch (route) {
            case SUBMIT -> submit(request, response, service, caller, trace);
            case LIST -> list(request, response, service, caller);
            case SHOW -> {
                Query.parse(request.getQueryString(), Set.of());
                Responses.json(response, 200, json(own(service, caller, segments[3])));
            }
            case CANCEL -> {
                Query.parse(request.getQueryString(), Set.of());
                own(service, caller, segments[3]);
                Responses.json(response, 200, json(act(() -> service.cancel(segments[3]))));
            }
            case RESUME -> {
                Query.parse(request.getQueryString(), Set.of());
                own(service, caller, segments[3]);
                Responses.json(response, 200, json(act(() -> service.resume(segments[3]))));
            }
            case EVENTS -> events(request, response, service, caller, segments[3]);
            default -> throw new IllegalStateException("route without a handler: " + route);
        }
    }

    // -------------------------------------------------------------------------------------------- handlers

    private void submit(HttpServletRequest request, HttpServletResponse response, TaskService service,
        Caller caller, TraceContext trace) throws IOException {
        Query.parse(request.getQueryString(), Set.of());
        long limit = maxBodyBytes;
        Map<?, ?> body;
        try (InputStream in = Bodies.open(request, limit)) {
            body = Bodies.parseObject(in, limit);
        }
        for (Object key : body.keySet()) {
            if (!FIELDS.contains(String.valueOf(key))) {
                throw unknownField(String.valueOf(key), FIELDS);
            }
        }
        Object goal = body.get("goal");
        if (goal != null && !(goal instanceof String)) {
            throw invalid("goal", "'goal' must be a string");
        }
        String profile = caller.profile();
        if (body.containsKey("profile")) {
            if (!(body.get("profile") instanceof String p) || !Names.isProfile(p)) {
                throw invalid("profile", "'profile' must be 1-" + Names.MAX_PROFILE + " characters of A-Z a-z 0-9 . _ -");
            }
            if (!caller.identity().mayUse(p)) {
                throw new ApiException(403, "forbidden", "this token may not use profile '" + p + "'",
                    Map.of("field", "profile", "profile", p));
            }
            profile = p;
        }
        String session = caller.session();
        if (body.containsKey("session")) {
            if (!(body.get("session") instanceof String s) || !Names.isSession(s)) {
                throw invalid("session", "'session' must be 1-" + Names.MAX_SESSION
                    + " characters of A-Z a-z 0-9 . _ : -");
            }
            session = s;
        }
        // a caller's traceparent: the task joins its trace, its invoke_agent span a child of the caller's span
        boolean joins = trace.parentId() != null;
        TaskRequest task = new TaskRequest((String) goal, plan(body.get("plan"), "plan", 0), profile, session,
            caller.identity().principal(), limits(body.get("limits")), joins ? trace.traceId() : "",
            joins ? trace.parentId() : "", !joins || trace.sampled());
        Task accepted = act(() -> service.submit(task));
        LOG.info("Task {} submitted by {} (profile {})", accepted.id(), accepted.caller(), accepted.profile());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", accepted.id());
        out.put("status", accepted.status().label());
        out.put("traceId", accepted.traceId());
        out.put("links", links(accepted.id()));
        response.setHeader("Location", BASE + "/" + accepted.id());
        Responses.json(response, 202, out);
    }

    private static List<PlannedStep> plan(Object value, String name, int nesting) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw invalid(name, "'" + name + "' must be a list of {\"tool\": ..., \"arguments\": {...}} or "
                + "{\"task\": {\"goal\": ..., \"plan\": [...]}}");
        }
        if (list.size() > MAX_PLAN) {
            throw invalid(name, "'" + name + "' has more than " + MAX_PLAN + " steps");
        }
        List<PlannedStep> steps = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String field = name + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> step)) {
                throw invalid(field, field + " must be an object {\"tool\": ..., \"arguments\": {...}} or "
                    + "{\"task\": {...}}");
            }
            if (step.containsKey("task")) {
                steps.add(subTask(step, field, nesting));
                continue;
            }
            for (Object key : step.keySet()) {
                if (!"tool".equals(key) && !"arguments".equals(key)) {
                    throw unknownField(field + "." + key, Set.of("tool", "arguments", "task"));
                }
            }
            if (!(step.get("tool") instanceof String tool) || !ApprovalServlet.isId(tool)) {
                throw invalid(field + ".tool", field + ".tool must be a tool name");
            }
            Object args = step.get("arguments");
            if (args != null && !(args instanceof Map)) {
                throw invalid(field + ".arguments", field + ".arguments must be an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> arguments = args == null ? Map.of() : (Map<String, Object>) args;
            steps.add(new PlannedStep(tool, arguments, ""));
        }
        return steps;
    }

    /** A plan step {"task": {"goal": ..., "plan": [...]}}: the runtime bounds the depth, this only the parsing. */
    private static PlannedStep subTask(Map<?, ?> step, String field, int nesting) {
        if (step.size() != 1) {
            for (Object key : step.keySet()) {
                if (!"task".equals(key)) {
                    throw unknownField(field + "." + key, Set.of("task"));
                }
            }
        }
        if (nesting >= MAX_NESTING) {
            throw invalid(field + ".task", field + ".task nests more than " + MAX_NESTING + " deep");
        }
        if (!(step.get("task") instanceof Map<?, ?> task)) {
            throw invalid(field + ".task", field + ".task must be an object {\"goal\": ..., \"plan\": [...]}");
        }
        for (Object key : task.keySet()) {
            if (!"goal".equals(key) && !"plan".equals(key)) {
                throw unknownField(field + ".task." + key, Set.of("goal", "plan"));
            }
        }
        Object goal = task.get("goal");
        if (goal != null && !(goal instanceof String)) {
            throw invalid(field + ".task.goal", field + ".task.goal must be a string");
        }
        return PlannedStep.of(new SubTask((String) goal, plan(task.get("plan"), field + ".task.plan",
            nesting + 1)));
    }

    private static TaskLimits limits(Object value) {
        if (value == null) {
            return TaskLimits.UNSET;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw invalid("limits", "'limits' must be an object with maxSteps, maxToolCalls, maxWallSeconds");
        }
        for (Object key : map.keySet()) {
            if (!LIMIT_FIELDS.contains(String.valueOf(key))) {
                throw unknownField("limits." + key, LIMIT_FIELDS);
            }
        }
        return new TaskLimits((int) positive(map, "maxSteps", 1000), (int) positive(map, "maxToolCalls", 100_000),
            positive(map, "maxWallSeconds", 86_400) * 1000);
    }

    private static long positive(Map<?, ?> map, String key, long max) {
        Object v = map.get(key);
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1
            || ((Number) v).longValue() > max) {
            throw invalid("limits." + key, "limits." + key + " must be a whole number from 1 to " + max);
        }
        return ((Number) v).longValue();
    }

    private static void list(HttpServletRequest request, HttpServletResponse response, TaskService service,
        Caller caller) throws IOException {
        Query query = Query.parse(request.getQueryString(), Set.of("session", "limit"));
        String session = query.text("session");
        if (session != null && !Names.isSession(session)) {
            throw invalid("session", "session must be 1-" + Names.MAX_SESSION + " characters of A-Z a-z 0-9 . _ : -");
        }
        int limit = query.integer("limit", 50, 1, 1000);
        String owner = caller.identity().role().satisfies(Role.ADMIN) ? null : caller.identity().principal();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Task t : service.list(caller.profile(), session == null ? "" : session, owner, limit)) {
            out.add(json(t));
        }
        Responses.json(response, 200, Map.of("tasks", out));
    }

    private static Task own(TaskService service, Caller caller, String id) {
        Optional<Task> found = isId(id) ? service.get(id) : Optional.empty();
        return found.filter(t -> caller.identity().role().satisfies(Role.ADMIN)
            || t.caller().equals(caller.identity().principal())).orElseThrow(() -> notFound(id));
    }

    private void events(HttpServletRequest request, HttpServletResponse response, TaskService service,
        Caller caller, String id) throws IOException {
        Query.parse(request.getQueryString(), Set.of());
        own(service, caller, id);
        BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(1000);
        byte[] end = new byte[0];
        AtomicReference<Task> last = new AtomicReference<>();
        TaskListener listener = new TaskListener() {
            @Override
            public void event(Event event) {
                queue.offer(EventStreamServlet.frame(sequence.incrementAndGet(), event));
            }

            @Override
            public void ended(Task task) {
                last.set(task);
                // the end must arrive even when the client fell behind
                while (!queue.offer(end)) {
                    queue.poll();
                }
            }
        };
        AutoCloseable subscription = act(() -> service.follow(id, listener));
        response.setStatus(200);
        response.setContentType(EventStreamServlet.EVENT_STREAM);
        response.setHeader("X-Accel-Buffering", "no");
        try (subscription) {
            OutputStream out = response.getOutputStream();
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                byte[] frame = queue.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
                } else if (frame == end) {
                    byte[] data = Json.MAPPER.writeValueAsBytes(json(last.get()));
                    out.write(("id: " + sequence.incrementAndGet() + "\nevent: task.end\ndata: ")
                        .getBytes(StandardCharsets.UTF_8));
                    out.write(data);
                    out.write("\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    return;
                } else {
                    out.write(frame);
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (EOFException e) {
            LOG.debug("Task stream of {} ended by the client", id);
        } catch (IOException e) {
            LOG.debug("Task stream of {} ended: {}", id, e.toString());
        } catch (Exception e) {
            LOG.debug("Task stream of {} could not be closed: {}", id, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** Something the task service does that may refuse. */
    @FunctionalInterface
    private interface Action<T> {
        T run() throws TaskException;
    }

    private static <T> T act(Action<T> action) {
        try {
            return action.run();
        } catch (TaskException e) {
            int status = switch (e.problem()) {
                case INVALID -> 400;
                case UNPROCESSABLE -> 422;
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
                case OVERLOADED -> 503;
            };
            String code = switch (e.problem()) {
                case INVALID -> "invalid_request";
                case UNPROCESSABLE -> "unprocessable_task";
                case NOT_FOUND -> "task_not_found";
                case CONFLICT -> "task_conflict";
                case OVERLOADED -> "overloaded";
            };
            return throwing(new ApiException(status, code, e.getMessage(), e.details()));
        }
    }

    private static <T> T throwing(ApiException e) {
        throw e;
    }

    private static Map<String, Object> links(String id) {
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("self", BASE + "/" + id);
        links.put("events", BASE + "/" + id + "/events");
        links.put("cancel", BASE + "/" + id + "/cancel");
        return links;
    }

    private static List<Map<String, Object>> planned(List<PlannedStep> plan) {
        List<Map<String, Object>> steps = new ArrayList<>();
        for (PlannedStep s : plan) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("tool", s.tool());
            step.put("arguments", s.arguments());
            step.put("rationale", s.rationale());
            if (s.task() != null) {
                Map<String, Object> task = new LinkedHashMap<>();
                task.put("goal", s.task().goal());
                task.put("plan", planned(s.task().plan()));
                step.put("task", task);
            }
            steps.add(step);
        }
        return steps;
    }

    /**
     * @param t a task
     * @return its JSON form
     */
    static Map<String, Object> json(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("status", t.status().label());
        m.put("goal", t.goal());
        m.put("profile", t.profile());
        m.put("session", t.session());
        m.put("caller", t.caller());
        m.put("traceId", t.traceId());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxSteps", t.limits().maxSteps());
        limits.put("maxToolCalls", t.limits().maxToolCalls());
        limits.put("maxWallSeconds", t.limits().maxWallMillis() / 1000.0);
        m.put("limits", limits);
        Plan plan = t.plan();
        if (plan == null) {
            m.put("plan", null);
        } else {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("planner", plan.planner());
            p.put("steps", planned(plan.steps()));
            p.put("explanation", plan.explanation());
            p.put("confidence", plan.confidence());
            m.put("plan", p);
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (Step s : t.steps()) {
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("index", s.index());
            step.put("tool", s.tool());
            step.put("arguments", s.arguments());
            step.put("status", s.status().label());
            step.put("worker", s.worker());
            step.put("attempts", s.attempts());
            step.put("decision", s.decision());
            step.put("outcome", s.outcome());
            step.put("callId", s.callId());
            step.put("approvalId", s.approvalId());
            step.put("result", s.result());
            step.put("errorCode", s.errorCode());
            step.put("error", s.error());
            step.put("startedAt", time(s.startedAt()));
            step.put("endedAt", time(s.endedAt()));
            if (s.subtask() != null) {
                Map<String, Object> sub = json(s.subtask());
                sub.remove("links");
                sub.put("self", BASE + "/" + s.subtask().id());
                step.put("subtask", sub);
            }
            steps.add(step);
        }
        m.put("steps", steps);
        m.put("toolCalls", t.toolCalls());
        m.put("answer", t.answer());
        m.put("errorCode", t.errorCode());
        m.put("error", t.error());
        m.put("createdAt", time(t.createdAt()));
        m.put("updatedAt", time(t.updatedAt()));
        m.put("endedAt", time(t.endedAt()));
        m.put("links", links(t.id()));
        return m;
    }

    private static String time(Instant i) {
        return i == null ? null : i.toString();
    }

    /**
     * @param id a path segment
     * @return whether it can be a task id: 1-128 of {@code A-Z a-z 0-9 . _ -}
     */
    static boolean isId(String id) {
        return ApprovalServlet.isId(id) && id.length() <= MAX_ID;
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(400, "invalid_request", message, Map.of("field", field));
    }

    private static ApiException unknownField(String field, Set<String> allowed) {
        String shown = field.length() > 100 ? field.substring(0, 100) + "..." : field;
        return new ApiException(400, "unknown_field", "unknown field '" + shown + "' in the request body; accepted: "
            + String.join(", ", new java.util.TreeSet<>(allowed)), Map.of("field", shown));
    }

    private static ApiException notFound(String id) {
        String shown = id.length() > 100 ? id.substring(0, 100) + "..." : id;
        return new ApiException(404, "task_not_found", "no task with id '" + shown + "'", Map.of("id", shown));
    }
}
