package io.cuga.agents.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Planner;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The planner over a language model, with native tool calling. It only plans the first step: a call of the
 * model tool ({@value ModelChatTool#NAME}) with the goal, what the session's memory returned for it, and the
 * tools the model may ask for (the visible set under the task's profile without the model tools, shortlisted
 * to {@value ChatRequest#MAX_TOOLS} when larger, ranked by word similarity minus the risk penalty). The task
 * runtime then loops ({@link #next}): each tool call the model asks for becomes a step run through the workers
 * and the dispatcher, the results go back to the model in the next model step, until the model answers
 * without a tool call. The model is reached only through the dispatcher, never directly.
 *
 * <p>Registered only while the model tool is, that is while a {@link io.cuga.api.model.ChatModel} is.
 */
@Component(service = Planner.class, property = Planner.NAME + "=" + ModelPlanner.NAME)
public final class ModelPlanner implements Planner {

    /** This planner's name. */
    static final String NAME = "model";
    /** The longest tool result fed back to the model, in characters. */
    static final int MAX_RESULT_CHARS = 16_000;

    static final String SYSTEM = "You are the planner of cuga, a server that runs tools under policy. Reach the "
        + "user's goal by calling the tools offered (one or several at a time); you get each result back. When "
        + "you have the answer, reply with it briefly and call no tool. Never invent a tool.";

    /** @param modelTool the model tool: this planner exists only while it does */
    @org.osgi.service.component.annotations.Activate
    public ModelPlanner(@Reference(target = "(" + Tool.NAME + "=" + ModelChatTool.NAME + ")") Tool modelTool) {
        // presence only: the model is called through the dispatcher by the task runtime
    }

    @Override
    public Plan plan(Context context) {
        if (context.tools().stream().noneMatch(t -> t.name().equals(ModelChatTool.NAME))) {
            return new Plan(NAME, List.of(), "the model tool " + ModelChatTool.NAME + " is not visible to profile "
                + context.profile() + " (allowlist it in cuga.allowlist.cfg and the profile's policy)", 0);
        }
        List<ToolDescriptor> offered = shortlist(context.goal(), context.tools());
        List<Object> tools = new ArrayList<>();
        for (ToolDescriptor t : offered) {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("name", t.name());
            spec.put("description", t.description());
            spec.put("parameters", schema(t));
            tools.add(spec);
        }
        StringBuilder system = new StringBuilder(SYSTEM);
        if (!context.memory().isEmpty()) {
            system.append("\n\nWhat this session remembers (most relevant first):");
            context.memory().forEach(m -> system.append("\n- ").append(m));
        }
        List<Object> messages = List.of(message("system", system.toString()), message("user", context.goal()));
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("messages", messages);
        arguments.put("tools", tools);
        long candidates = context.tools().stream().filter(t -> !isModelTool(t.name())).count();
        String explanation = String.format(Locale.ROOT, "the model chooses among %d of %d visible tools%s%s",
            offered.size(), candidates, offered.size() < candidates ? " (shortlisted by similarity minus risk)" : "",
            context.memory().isEmpty() ? "" : ", with " + context.memory().size() + " memories as context");
        return new Plan(NAME, List.of(new PlannedStep(ModelChatTool.NAME, arguments, explanation)), explanation,
            0.5);
    }

    /** @return whether a tool is a model tool (never offered to a model) */
    static boolean isModelTool(String name) {
        return name.startsWith(ModelChatTool.PREFIX);
    }

    /**
     * @return the tools offered to the model: the visible ones but the model tools; when more than
     *     {@value ChatRequest#MAX_TOOLS}, the best by word similarity to the goal minus the risk penalty
     */
    static List<ToolDescriptor> shortlist(String goal, List<ToolDescriptor> visible) {
        List<ToolDescriptor> tools = visible.stream().filter(t -> !isModelTool(t.name())).toList();
        if (tools.size() <= ChatRequest.MAX_TOOLS) {
            return tools;
        }
        Set<String> goalWords = Words.of(goal);
        Map<ToolDescriptor, Double> score = new LinkedHashMap<>();
        for (ToolDescriptor t : tools) {
            Set<String> toolWords = Words.of(t.name() + " " + t.description());
            long shared = goalWords.stream().filter(toolWords::contains).count();
            double similarity = goalWords.isEmpty() || toolWords.isEmpty() ? 0
                : shared / Math.sqrt((double) goalWords.size() * toolWords.size());
            score.put(t, similarity - t.risk().penalty());
        }
        return tools.stream().sorted(Comparator.comparingDouble((ToolDescriptor t) -> score.get(t)).reversed()
            .thenComparing(ToolDescriptor::name)).limit(ChatRequest.MAX_TOOLS).toList();
    }

    /** What comes after the steps so far of a model-planned task. */
    sealed interface Next {
    }

    /** The model answered without a tool call: the task's answer. */
    record Answer(String text) implements Next {
    }

    /** Run these tool calls next (the model asked for them). */
    record Calls(List<PlannedStep> steps, String problem) implements Next {
    }

    /** Ask the model again, with these arguments of the model tool. */
    record Ask(Map<String, Object> arguments) implements Next {
    }

    /** A step as the loop sees it: its tool, arguments and result. */
    record Done(String tool, Map<String, Object> arguments, Object result) {
    }

    /**
     * @param steps the task's steps so far, all succeeded, the first a model step
     * @return what to do next
     */
    static Next next(List<Done> steps) {
        Done last = steps.get(steps.size() - 1);
        if (last.tool().equals(ModelChatTool.NAME)) {
            Map<?, ?> result = last.result() instanceof Map<?, ?> m ? m : Map.of();
            List<?> calls = result.get("toolCalls") instanceof List<?> l ? l : List.of();
            if (calls.isEmpty()) {
                return new Answer(result.get("text") == null ? "" : String.valueOf(result.get("text")));
            }
            List<PlannedStep> out = new ArrayList<>();
            for (Object o : calls) {
                Map<?, ?> call = (Map<?, ?>) o;
                String name = String.valueOf(call.get("name"));
                Map<String, Object> args;
                try {
                    Object parsed = TaskCodec.JSON.readValue(String.valueOf(call.get("arguments")), Object.class);
                    if (!(parsed instanceof Map<?, ?>)) {
                        return new Calls(out, "the model's arguments for " + name + " are not a JSON object");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) parsed;
                    args = m;
                } catch (IOException e) {
                    return new Calls(out, "the model's arguments for " + name + " are not JSON");
                }
                if (isModelTool(name)) {
                    return new Calls(out, "the model asked for the model tool " + name);
                }
                out.add(new PlannedStep(name, args, "asked for by the model (call " + call.get("id") + ")"));
            }
            return new Calls(out, "");
        }
        // tool results: the conversation of the last model step, its answer, then each result
        int m = steps.size() - 1;
        while (!steps.get(m).tool().equals(ModelChatTool.NAME)) {
            m--;
        }
        Done model = steps.get(m);
        Map<String, Object> arguments = new LinkedHashMap<>(model.arguments());
        List<Object> messages = new ArrayList<>((List<?>) model.arguments().get("messages"));
        Map<?, ?> answer = (Map<?, ?>) model.result();
        List<?> calls = (List<?>) answer.get("toolCalls");
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", String.valueOf(answer.get("text") == null ? "" : answer.get("text")));
        assistant.put("toolCalls", calls);
        messages.add(assistant);
        for (int i = m + 1; i < steps.size(); i++) {
            Map<?, ?> call = (Map<?, ?>) calls.get(i - m - 1);
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("role", "tool");
            tool.put("content", resultText(steps.get(i).result()));
            tool.put("toolCallId", String.valueOf(call.get("id")));
            messages.add(tool);
        }
        arguments.put("messages", messages);
        return new Ask(arguments);
    }

    private static String resultText(Object result) {
        String text;
        try {
            text = TaskCodec.JSON.writeValueAsString(result);
        } catch (IOException e) {
            text = String.valueOf(result);
        }
        return text.length() <= MAX_RESULT_CHARS ? text : text.substring(0, MAX_RESULT_CHARS) + " [cut]";
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static Object schema(ToolDescriptor tool) {
        try {
            Object s = TaskCodec.JSON.readValue(tool.inputSchema(), Object.class);
            return s instanceof Map<?, ?> ? s : Map.of("type", "object");
        } catch (IOException e) {
            return Map.of("type", "object");
        }
    }
}
