package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Planner;
import io.cuga.api.model.ChatMessage;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ChatResponse;
import io.cuga.api.model.ModelException;
import io.cuga.api.model.ToolCallRequest;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;
import io.cuga.api.tool.ToolException;

/** The model planner's first step, its loop over the model's answers, and the model tool's mapping. */
@SuppressWarnings("unchecked")
class ModelPlannerTest {

    private static final ToolDescriptor MODEL = new ToolDescriptor(ModelChatTool.NAME, "the model", "{}",
        RiskTier.EXTERNAL, List.of(), 0, "cuga.agents", "1.0.0");

    private static Planner.Context context(String goal, List<String> memory, ToolDescriptor... tools) {
        List<ToolDescriptor> all = new ArrayList<>(List.of(tools));
        all.add(MODEL);
        return new Planner.Context(goal, "default", "s1", all, memory, 10);
    }

    @Test
    void firstStepAsksTheModelWithTheGoalMemoryAndToolsButNotTheModelTools() {
        Plan plan = new ModelPlanner(null).plan(context("what is 6*7?", List.of("earlier => 41"),
            OfflinePlannerTest.CALCULATOR, OfflinePlannerTest.HTTP_GET));
        assertThat(plan.planner()).isEqualTo("model");
        assertThat(plan.steps()).hasSize(1);
        PlannedStep step = plan.steps().get(0);
        assertThat(step.tool()).isEqualTo("model_chat");
        List<?> messages = (List<Object>) step.arguments().get("messages");
        assertThat(((Map<String, Object>) messages.get(0)).get("content").toString()).contains("earlier => 41");
        assertThat(((Map<String, Object>) messages.get(1))).containsEntry("role", "user").containsEntry("content",
            "what is 6*7?");
        List<?> tools = (List<Object>) step.arguments().get("tools");
        assertThat(tools).extracting(t -> (Object) ((Map<String, Object>) t).get("name")).containsExactly("calculator", "http_get");
        assertThat(((Map<String, Object>) ((Map<String, Object>) tools.get(0)).get("parameters"))).containsKey("properties");
    }

    @Test
    void withoutTheModelToolVisibleThereIsNoPlanAndTheReasonSaysSo() {
        Plan plan = new ModelPlanner(null).plan(new Planner.Context("x", "readonly", "",
            List.of(OfflinePlannerTest.CALCULATOR), List.of(), 10));
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.explanation()).contains("model_chat is not visible to profile readonly");
    }

    @Test
    void largeToolSetsAreShortlistedTo128RankedBySimilarityMinusRisk() {
        List<ToolDescriptor> tools = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tools.add(new ToolDescriptor("tool_" + i, "does thing number " + i, "{}", RiskTier.READ, List.of(), 0,
                "b", "1"));
        }
        tools.add(new ToolDescriptor("weather_risky", "current weather forecast for a city", "{}",
            RiskTier.FINANCIAL, List.of(), 0, "b", "1"));
        tools.add(new ToolDescriptor("weather", "current weather forecast for a city", "{}", RiskTier.READ,
            List.of(), 0, "b", "1"));
        tools.add(MODEL);
        List<ToolDescriptor> shortlist = ModelPlanner.shortlist("the weather forecast in Paris", tools);
        assertThat(shortlist).hasSize(ChatRequest.MAX_TOOLS);
        assertThat(shortlist.get(0).name()).isEqualTo("weather");
        assertThat(shortlist.get(1).name()).isEqualTo("weather_risky");
        assertThat(shortlist).extracting(ToolDescriptor::name).doesNotContain("model_chat");
    }

    private static Map<String, Object> answer(String text, List<Map<String, Object>> calls) {
        return Map.of("text", text, "toolCalls", calls, "usage", Map.of(), "finishReason", "", "model", "m");
    }

    @Test
    void theLoopRunsTheModelsToolCallsThenFeedsTheirResultsBackThenTakesTheAnswer() {
        Plan plan = new ModelPlanner(null).plan(context("add then multiply", List.of(),
            OfflinePlannerTest.CALCULATOR));
        Map<String, Object> first = plan.steps().get(0).arguments();
        List<ModelPlanner.Done> steps = new ArrayList<>();
        steps.add(new ModelPlanner.Done("model_chat", first, answer("", List.of(
            Map.of("id", "c1", "name", "calculator", "arguments", "{\"expression\":\"2+3\"}"),
            Map.of("id", "c2", "name", "calculator", "arguments", "{\"expression\":\"6*7\"}")))));
        ModelPlanner.Next next = ModelPlanner.next(steps);
        assertThat(next).isInstanceOf(ModelPlanner.Calls.class);
        ModelPlanner.Calls calls = (ModelPlanner.Calls) next;
        assertThat(calls.problem()).isEmpty();
        assertThat(calls.steps()).extracting(PlannedStep::arguments).containsExactly(Map.of("expression", "2+3"),
            Map.of("expression", "6*7"));
        steps.add(new ModelPlanner.Done("calculator", Map.of("expression", "2+3"), Map.of("value", 5)));
        steps.add(new ModelPlanner.Done("calculator", Map.of("expression", "6*7"), Map.of("value", 42)));
        ModelPlanner.Ask ask = (ModelPlanner.Ask) ModelPlanner.next(steps);
        List<?> messages = (List<Object>) ask.arguments().get("messages");
        assertThat(messages).hasSize(5);
        assertThat((Map<String, Object>) messages.get(2)).containsEntry("role", "assistant");
        assertThat((Map<String, Object>) messages.get(3)).containsEntry("role", "tool").containsEntry("toolCallId", "c1")
            .containsEntry("content", "{\"value\":5}");
        assertThat((Map<String, Object>) messages.get(4)).containsEntry("toolCallId", "c2");
        assertThat(ask.arguments().get("tools")).isEqualTo(first.get("tools"));
        steps.add(new ModelPlanner.Done("model_chat", ask.arguments(), answer("5 and 42", List.of())));
        assertThat(ModelPlanner.next(steps)).isEqualTo(new ModelPlanner.Answer("5 and 42"));
    }

    @Test
    void argumentsThatAreNotAnObjectOrACallOfAModelToolAreAProblemNotAStep() {
        List<ModelPlanner.Done> steps = List.of(new ModelPlanner.Done("model_chat", Map.of(), answer("", List.of(
            Map.of("id", "c1", "name", "calculator", "arguments", "[1,2]")))));
        assertThat(((ModelPlanner.Calls) ModelPlanner.next(steps)).problem()).contains("not a JSON object");
        steps = List.of(new ModelPlanner.Done("model_chat", Map.of(), answer("", List.of(
            Map.of("id", "c1", "name", "model_chat", "arguments", "{}")))));
        assertThat(((ModelPlanner.Calls) ModelPlanner.next(steps)).problem()).contains("model tool");
    }

    @Test
    void theModelToolMapsArgumentsToARequestAndTheAnswerToJson() throws ToolException {
        Map<String, Object> args = Map.of("messages", List.of(
            Map.of("role", "system", "content", "be brief"),
            Map.of("role", "assistant", "content", "", "toolCalls", List.of(Map.of("id", "c1", "name", "calculator",
                "arguments", "{}"))),
            Map.of("role", "tool", "content", "{\"value\":1}", "toolCallId", "c1")),
            "tools", List.of(Map.of("name", "calculator", "parameters", Map.of("type", "object"))),
            "maxOutputTokens", 100);
        ChatRequest request = ModelChatTool.request(args, Instant.now().plusSeconds(5));
        assertThat(request.messages()).extracting(ChatMessage::role).containsExactly(ChatMessage.Role.SYSTEM,
            ChatMessage.Role.ASSISTANT, ChatMessage.Role.TOOL);
        assertThat(request.messages().get(1).toolCalls()).containsExactly(new ToolCallRequest("c1", "calculator",
            "{}"));
        assertThat(request.messages().get(2).toolCallId()).isEqualTo("c1");
        assertThat(request.tools().get(0).parametersSchema()).isEqualTo("{\"type\":\"object\"}");
        assertThat(request.maxOutputTokens()).isEqualTo(100);
        assertThat(request.temperature()).isNegative();
        assertThat(request.timeoutMillis()).isBetween(1L, 5000L);
        Map<String, Object> result = ModelChatTool.result(new ChatResponse("hi", List.of(new ToolCallRequest("x",
            "calculator", "{\"expression\":\"1\"}")), new ChatResponse.TokenUsage(12, 3), "tool_calls", "m1"));
        assertThat(result).containsEntry("text", "hi").containsEntry("usage", Map.of("inputTokens", 12L,
            "outputTokens", 3L));
        assertThat((List<Object>) result.get("toolCalls")).containsExactly(Map.of("id", "x", "name", "calculator",
            "arguments", "{\"expression\":\"1\"}"));
    }

    @Test
    void modelFailuresAreRetriedOnlyWhenTheirKindIsRetryable() {
        assertThat(ModelChatTool.code(ModelException.Kind.RATE_LIMITED)).isEqualTo("model_rate_limited");
        assertThat(ModelChatTool.retryable("model_rate_limited")).isTrue();
        assertThat(ModelChatTool.retryable("model_unavailable")).isTrue();
        assertThat(ModelChatTool.retryable("model_bad_response")).isFalse();
        assertThat(ModelChatTool.retryable("model_authentication")).isFalse();
        io.cuga.api.dispatch.CallOutcome bad = new io.cuga.api.dispatch.CallOutcome(
            io.cuga.api.dispatch.CallOutcome.Status.TOOL_ERROR, "model_chat", "c", "t", null, "model_bad_response",
            "m", Map.of(), null, 0);
        assertThat(Failures.of(bad)).isEqualTo(Failures.MODEL);
        assertThat(Failures.retryable(bad)).isFalse();
        io.cuga.api.dispatch.CallOutcome limited = new io.cuga.api.dispatch.CallOutcome(
            io.cuga.api.dispatch.CallOutcome.Status.TOOL_ERROR, "model_chat", "c", "t", null, "model_timeout",
            "m", Map.of(), null, 0);
        assertThat(Failures.retryable(limited)).isTrue();
        io.cuga.api.dispatch.CallOutcome user = new io.cuga.api.dispatch.CallOutcome(
            io.cuga.api.dispatch.CallOutcome.Status.TOOL_ERROR, "calculator", "c", "t", null, "syntax", "m",
            Map.of(), null, 0);
        assertThat(Failures.of(user)).isEqualTo(Failures.USER);
        assertThatThrownBy(() -> ModelChatTool.request(Map.of("messages", List.of()), Instant.now()))
            .isInstanceOf(ToolException.class);
    }
}
