package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.cuga.api.agent.StepStatus;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskStatus;

/** The guarded transitions of tasks and steps, and how a request's limits meet the server's. */
class StateMachineTest {

    @Test
    void aTaskGoesTheHappyPathAndPausesForApprovals() {
        TaskStatus s = TaskStatus.CREATED;
        s = s.moveTo(TaskStatus.PLANNED).moveTo(TaskStatus.ROUTED).moveTo(TaskStatus.EXECUTING);
        s = s.moveTo(TaskStatus.WAITING_APPROVAL).moveTo(TaskStatus.EXECUTING).moveTo(TaskStatus.COMPLETED);
        assertThat(s.ended()).isTrue();
    }

    @Test
    void skippingAStageOrLeavingAnEndIsRefused() {
        assertThatThrownBy(() -> TaskStatus.CREATED.moveTo(TaskStatus.EXECUTING))
            .isInstanceOf(IllegalStateException.class).hasMessage("a task cannot move from created to executing");
        assertThatThrownBy(() -> TaskStatus.PLANNED.moveTo(TaskStatus.COMPLETED))
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> TaskStatus.WAITING_APPROVAL.moveTo(TaskStatus.COMPLETED))
            .isInstanceOf(IllegalStateException.class);
        for (TaskStatus next : TaskStatus.values()) {
            assertThat(TaskStatus.COMPLETED.canMoveTo(next)).isFalse();
            assertThat(TaskStatus.CANCELLED.canMoveTo(next)).isFalse();
        }
        // a failed task can only be resumed
        assertThat(TaskStatus.FAILED.canMoveTo(TaskStatus.EXECUTING)).isTrue();
        assertThat(TaskStatus.FAILED.canMoveTo(TaskStatus.COMPLETED)).isFalse();
        // every stage before an end can fail or be cancelled
        for (TaskStatus s : new TaskStatus[] {TaskStatus.CREATED, TaskStatus.PLANNED, TaskStatus.ROUTED,
            TaskStatus.EXECUTING, TaskStatus.WAITING_APPROVAL}) {
            assertThat(s.canMoveTo(TaskStatus.FAILED)).as(s.label()).isTrue();
            assertThat(s.canMoveTo(TaskStatus.CANCELLED)).as(s.label()).isTrue();
        }
    }

    @Test
    void stepsRunWaitAndEndOnce() {
        StepStatus s = StepStatus.PENDING.moveTo(StepStatus.RUNNING).moveTo(StepStatus.WAITING_APPROVAL)
            .moveTo(StepStatus.RUNNING).moveTo(StepStatus.SUCCEEDED);
        assertThat(s.ended()).isTrue();
        assertThatThrownBy(() -> StepStatus.SUCCEEDED.moveTo(StepStatus.RUNNING))
            .isInstanceOf(IllegalStateException.class).hasMessage("a step cannot move from succeeded to running");
        assertThatThrownBy(() -> StepStatus.PENDING.moveTo(StepStatus.SUCCEEDED))
            .isInstanceOf(IllegalStateException.class);
        assertThat(StepStatus.WAITING_APPROVAL.canMoveTo(StepStatus.FAILED)).isTrue();
        assertThat(StepStatus.FAILED.canMoveTo(StepStatus.PENDING)).isTrue();
        assertThat(StepStatus.SKIPPED.canMoveTo(StepStatus.PENDING)).isFalse();
        assertThat(TaskStatus.parse("waiting_approval")).isEqualTo(TaskStatus.WAITING_APPROVAL);
        assertThatThrownBy(() -> TaskStatus.parse("done")).hasMessageContaining("expected one of");
    }

    @Test
    void aRequestMayOnlyLowerTheServersLimits() {
        TaskLimits server = new TaskLimits(10, 50, 300_000);
        assertThat(TaskLimits.UNSET.within(server)).isEqualTo(server);
        assertThat(new TaskLimits(3, 0, 1_000).within(server)).isEqualTo(new TaskLimits(3, 50, 1_000));
        assertThat(new TaskLimits(99, 500, 9_999_999).within(server)).isEqualTo(server);
        assertThatThrownBy(() -> new TaskLimits(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
