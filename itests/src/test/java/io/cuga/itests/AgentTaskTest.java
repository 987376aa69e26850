package io.cuga.itests;

import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.await;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Step;
import io.cuga.api.agent.StepStatus;
import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskRequest;
import io.cuga.api.agent.TaskService;
import io.cuga.api.agent.TaskStatus;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;

/**
 * cuga.agents in a real Felix with the SQLite store: an explicit two-step plan over a tool this test registers
 * runs to completion, each step routed to a worker and one call through the real dispatcher, all under the task's trace.
 */
class AgentTaskTest extends InFrameworkTest {

    @InjectService(timeout = 10_000)
    ServiceAware<TaskService> tasks;

    @InjectService(timeout = 10_000)
    ServiceAware<AuditTrail> audit;

    @Test
    void anExplicitTwoStepPlanCompletesWithEachStepDispatchedAndAuditedUnderTheTasksTrace() throws Exception {
        String name = unique("agent-step");
        allow(cm, List.of(name), List.of(bsn));
        List<ToolCall> calls = new CopyOnWriteArrayList<>();
        Tool tool = call -> {
            calls.add(call);
            return Map.of("doubled", ((Number) call.arguments().get("n")).intValue() * 2);
        };
        context.registerService(Tool.class, tool, toolProps(name, Tool.SCHEMA, AuditTest.OPEN));
        await("the tool to be visible", () -> registry.getService().find(name, "default").isPresent(), v -> v);

        Task accepted = tasks.getService().submit(new TaskRequest("", List.of(
            new PlannedStep(name, Map.of("n", 3), "first"),
            new PlannedStep(name, Map.of("n", 20), "second")), "default", "", "itest", TaskLimits.UNSET));
        assertThat(accepted.status()).isEqualTo(TaskStatus.CREATED);
        Task done = await("the task to end", () -> tasks.getService().get(accepted.id()).orElseThrow(),
            t -> t.status().ended());

        assertThat(done.status()).as(done.toString()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.plan().planner()).isEqualTo("explicit");
        assertThat(done.steps()).extracting(Step::status).containsExactly(StepStatus.SUCCEEDED,
            StepStatus.SUCCEEDED);
        assertThat(done.steps()).extracting(Step::result).containsExactly(Map.of("doubled", 6),
            Map.of("doubled", 40));
        assertThat(done.answer()).isEqualTo(Map.of("doubled", 40));
        assertThat(done.toolCalls()).isEqualTo(2);
        // the tool saw each step once, in order, under the task's trace and caller; each step was routed to a worker
        assertThat(calls).extracting(c -> c.arguments().get("n")).containsExactly(3, 20);
        assertThat(calls).extracting(ToolCall::traceId).containsOnly(done.traceId());
        assertThat(calls).extracting(ToolCall::caller).containsOnly("itest");
        assertThat(done.steps()).extracting(Step::worker).allSatisfy(w -> assertThat(w).startsWith("worker-"));

        // the audit trail under the task's trace: a routing decision, an attempt and an outcome per step
        List<AuditRecord> records = audit.getService().query(new AuditQuery(done.traceId(), null, null, null, null,
            null, null, 0, 100)).records();
        assertThat(records).extracting(AuditRecord::kind).filteredOn(AuditRecord.AGENT::equals).hasSize(2);
        List<AuditRecord> outcomes = records.stream().filter(r -> r.kind().equals(AuditRecord.OUTCOME)).toList();
        List<AuditRecord> attempts = records.stream().filter(r -> r.kind().equals(AuditRecord.ATTEMPT)).toList();
        assertThat(outcomes).hasSize(2).allSatisfy(r -> {
            assertThat(r.tool()).isEqualTo(name);
            assertThat(r.outcome()).isEqualTo("OK");
        });
        assertThat(attempts).hasSize(2).allSatisfy(r -> assertThat(r.decision()).isEqualTo("ALLOW"));
        Set<String> stepCalls = Set.copyOf(done.steps().stream().map(Step::callId).toList());
        assertThat(stepCalls).hasSize(2).doesNotContain("");
        assertThat(outcomes).extracting(AuditRecord::callId).containsExactlyInAnyOrderElementsOf(stepCalls);
        assertThat(calls).extracting(ToolCall::callId).containsExactlyInAnyOrderElementsOf(stepCalls);

        // durable: the SQLite store gives the same task back
        assertThat(tasks.getService().list("default", "", "itest", 10)).extracting(Task::id)
            .contains(done.id());
    }
}
