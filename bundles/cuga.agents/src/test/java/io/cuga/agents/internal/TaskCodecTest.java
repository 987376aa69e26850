package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cuga.api.agent.Task;
import io.cuga.api.agent.TaskLimits;
import io.cuga.api.agent.TaskStatus;

/** The stored task document keeps the caller's span, so a resumed or recovered run stays linked to it. */
class TaskCodecTest {

    private static final Task TASK = new Task("t1", TaskStatus.FAILED, "calculate 1/0", "default", "", "agent",
        "4bf92f3577b34da6a3ce929d0e0e4736", new TaskLimits(10, 50, 300_000), null, List.of(), 1, null,
        "step_failed", "division by zero", Instant.parse("2026-11-27T10:00:00Z"), null, null);

    @Test
    void theCallersSpanIsStoredWithTheTaskAndReadBack() {
        String json = TaskCodec.write(TASK, "00f067aa0ba902b7");
        assertThat(TaskCodec.parentSpanId(json)).isEqualTo("00f067aa0ba902b7");
        Task read = TaskCodec.read(json);
        assertThat(read.traceId()).isEqualTo(TASK.traceId());
        assertThat(read.errorCode()).isEqualTo("step_failed");
    }

    @Test
    void theCallersSampledFlagIsStoredWithItsSpan() {
        assertThat(TaskCodec.parentSampled(TaskCodec.write(TASK, "00f067aa0ba902b7", false, ""))).isFalse();
        assertThat(TaskCodec.parentSampled(TaskCodec.write(TASK, "00f067aa0ba902b7", true, ""))).isTrue();
        assertThat(TaskCodec.parentSampled(TaskCodec.write(TASK, "00f067aa0ba902b7"))).isTrue();
        assertThat(TaskCodec.parentSampled(TaskCodec.write(TASK, "", false, ""))).as("no caller span: nothing to follow")
            .isTrue();
    }

    @Test
    void theInstanceRunningTheTaskIsStored() {
        assertThat(TaskCodec.runner(TaskCodec.write(TASK, "", true, "4242@host/1a2b3c4d"))).isEqualTo(
            "4242@host/1a2b3c4d");
        assertThat(TaskCodec.runner(TaskCodec.write(TASK))).as("written before runners were recorded").isEmpty();
    }

    @Test
    void aTaskWithoutACallerSpanReadsBackEmpty() {
        assertThat(TaskCodec.parentSpanId(TaskCodec.write(TASK, ""))).isEmpty();
        assertThat(TaskCodec.parentSpanId(TaskCodec.write(TASK))).isEmpty();
    }
}
