package io.cuga.agents.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Step;
import io.cuga.api.agent.StepStatus;
import io.cuga.api.agent.SubTask;
import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskStatus;

/** A task as the JSON document the task store keeps, and back. */
final class TaskCodec {

    static final ObjectMapper JSON = new ObjectMapper();

    private TaskCodec() {
    }

    static String write(Task task) {
        return write(task, "");
    }

    /**
     * @param parentSpanId the caller's span the task's span is a child of (from its traceparent), empty when none:
     *     kept with the task so a resumed run stays linked to it
     */
    static String write(Task task, String parentSpanId) {
        return write(task, parentSpanId, true, "");
    }

    /**
     * @param parentSpanId the caller's span the task's span is a child of, empty when none
     * @param sampled whether the caller records the trace (its traceparent's sampled flag): kept too, so a resumed
     *     or recovered run is sampled as the caller asked
     * @param runner the store instance of the server running the task ({@code TaskStore.instance()}), empty when
     *     unknown: a replica that finds the task open while that instance is gone marks it interrupted
     */
    static String write(Task task, String parentSpanId, boolean sampled, String runner) {
        try {
            Map<String, Object> m = toMap(task);
            if (runner != null && !runner.isEmpty()) {
                m.put("runner", runner);
            }
            if (parentSpanId != null && !parentSpanId.isEmpty()) {
                m.put("parentSpanId", parentSpanId);
                if (!sampled) {
                    m.put("parentSampled", false);
                }
            }
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task " + task.id() + " cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> toMap(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("status", t.status().label());
        m.put("goal", t.goal());
        m.put("profile", t.profile());
        m.put("session", t.session());
        m.put("caller", t.caller());
        m.put("traceId", t.traceId());
        m.put("limits", Map.of("maxSteps", t.limits().maxSteps(), "maxToolCalls", t.limits().maxToolCalls(),
            "maxWallMillis", t.limits().maxWallMillis()));
        if (t.plan() != null) {
            Map<String, Object> plan = new LinkedHashMap<>();
            plan.put("planner", t.plan().planner());
            plan.put("steps", planned(t.plan().steps()));
            plan.put("explanation", t.plan().explanation());
            plan.put("confidence", t.plan().confidence());
            m.put("plan", plan);
        } else {
            m.put("plan", null);
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (Step s : t.steps()) {
            steps.add(step(s));
        }
        m.put("steps", steps);
        m.put("toolCalls", t.toolCalls());
        m.put("answer", t.answer());
        m.put("errorCode", t.errorCode());
        m.put("error", t.error());
        m.put("createdAt", time(t.createdAt()));
        m.put("updatedAt", time(t.updatedAt()));
        m.put("endedAt", time(t.endedAt()));
        return m;
    }

    /** @return plan steps as JSON: tool steps, and sub-task steps with their {@code task} */
    static List<Map<String, Object>> planned(List<PlannedStep> plan) {
        List<Map<String, Object>> steps = new ArrayList<>();
        for (PlannedStep s : plan) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("tool", s.tool());
            p.put("arguments", s.arguments());
            p.put("rationale", s.rationale());
            if (s.task() != null) {
                Map<String, Object> task = new LinkedHashMap<>();
                task.put("goal", s.task().goal());
                task.put("plan", planned(s.task().plan()));
                p.put("task", task);
            }
            steps.add(p);
        }
        return steps;
    }

    @SuppressWarnings("unchecked")
    private static List<PlannedStep> readPlanned(Object list) {
        List<PlannedStep> planned = new ArrayList<>();
        for (Object o : list instanceof List<?> l ? l : List.of()) {
            Map<String, Object> s = (Map<String, Object>) o;
            SubTask task = null;
            if (s.get("task") instanceof Map<?, ?> t) {
                task = new SubTask((String) t.get("goal"), readPlanned(t.get("plan")));
            }
            planned.add(new PlannedStep((String) s.get("tool"), (Map<String, Object>) s.get("arguments"),
                (String) s.get("rationale"), task));
        }
        return planned;
    }

    static Map<String, Object> step(Step s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", s.index());
        m.put("tool", s.tool());
        m.put("arguments", s.arguments());
        m.put("status", s.status().label());
        m.put("worker", s.worker());
        m.put("attempts", s.attempts());
        m.put("decision", s.decision());
        m.put("outcome", s.outcome());
        m.put("callId", s.callId());
        m.put("approvalId", s.approvalId());
        m.put("result", s.result());
        m.put("errorCode", s.errorCode());
        m.put("error", s.error());
        m.put("startedAt", time(s.startedAt()));
        m.put("endedAt", time(s.endedAt()));
        if (s.subtask() != null) {
            m.put("subtask", toMap(s.subtask()));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    static Task read(String json) {
        Map<String, Object> m;
        try {
            m = JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored task is not JSON: " + e.getMessage(), e);
        }
        return read(m);
    }

    @SuppressWarnings("unchecked")
    private static Task read(Map<String, Object> m) {
        Map<String, Object> limits = (Map<String, Object>) m.getOrDefault("limits", Map.of());
        Plan plan = null;
        if (m.get("plan") instanceof Map<?, ?> p) {
            List<PlannedStep> planned = readPlanned(p.get("steps"));
            plan = new Plan((String) p.get("planner"), planned, (String) p.get("explanation"),
                ((Number) p.get("confidence")).doubleValue());
        }
        List<Step> steps = new ArrayList<>();
        for (Object o : (List<Object>) m.getOrDefault("steps", List.of())) {
            Map<String, Object> s = (Map<String, Object>) o;
            steps.add(new Step(((Number) s.get("index")).intValue(), (String) s.get("tool"),
                (Map<String, Object>) s.get("arguments"), StepStatus.parse((String) s.get("status")),
                (String) s.get("worker"), ((Number) s.get("attempts")).intValue(),
                (Map<String, Object>) s.get("decision"), (String) s.get("outcome"), (String) s.get("callId"),
                (String) s.get("approvalId"), s.get("result"), (String) s.get("errorCode"), (String) s.get("error"),
                instant(s.get("startedAt")), instant(s.get("endedAt")),
                s.get("subtask") instanceof Map<?, ?> sub ? read((Map<String, Object>) sub) : null));
        }
        return new Task((String) m.get("id"), TaskStatus.parse((String) m.get("status")), (String) m.get("goal"),
            (String) m.get("profile"), (String) m.get("session"), (String) m.get("caller"),
            (String) m.get("traceId"), new TaskLimits((int) number(limits, "maxSteps"),
                (int) number(limits, "maxToolCalls"), number(limits, "maxWallMillis")), plan, steps, ((Number) m.getOrDefault("toolCalls", 0)).intValue(),
            m.get("answer"), (String) m.get("errorCode"), (String) m.get("error"), instant(m.get("createdAt")),
            instant(m.get("updatedAt")), instant(m.get("endedAt")));
    }

    /** @return the parent span id stored with a task ({@link #write(Task, String)}), empty when none */
    static String parentSpanId(String json) {
        try {
            return JSON.readTree(json).path("parentSpanId").asText("");
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored task is not JSON: " + e.getMessage(), e);
        }
    }

    /** @return the store instance of the server that last ran a stored task, empty when not recorded */
    static String runner(String json) {
        try {
            return JSON.readTree(json).path("runner").asText("");
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored task is not JSON: " + e.getMessage(), e);
        }
    }

    /** @return the sampled flag of the parent span stored with a task, true when none was stored */
    static boolean parentSampled(String json) {
        try {
            return JSON.readTree(json).path("parentSampled").asBoolean(true);
        } catch (IOException e) {
            throw new IllegalArgumentException("a stored task is not JSON: " + e.getMessage(), e);
        }
    }

    private static long number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }

    private static String time(Instant i) {
        return i == null ? null : i.toString();
    }

    private static Instant instant(Object o) {
        return o instanceof String s ? Instant.parse(s) : null;
    }
}
