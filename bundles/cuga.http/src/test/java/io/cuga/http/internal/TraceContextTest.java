package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {

    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void continuesAValidHeader() {
        TraceContext trace = TraceContext.fromHeader(VALID);
        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(trace.parentId()).isEqualTo("00f067aa0ba902b7");
        assertThat(trace.flags()).isEqualTo("01");
        assertThat(trace.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
        assertThat(trace.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + trace.spanId() + "-01");
    }

    @Test
    void keepsTheFlags() {
        assertThat(TraceContext.fromHeader("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").flags())
            .isEqualTo("00");
    }

    @Test
    void theSampledFlagIsBitZeroOfTheFlags() {
        String prefix = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-";
        assertThat(TraceContext.fromHeader(prefix + "01").sampled()).isTrue();
        assertThat(TraceContext.fromHeader(prefix + "00").sampled()).isFalse();
        assertThat(TraceContext.fromHeader(prefix + "03").sampled()).isTrue();
        assertThat(TraceContext.fromHeader(prefix + "02").sampled()).as("another flag, not sampled").isFalse();
        assertThat(TraceContext.fromHeader(null).sampled()).as("a trace that starts here").isTrue();
    }

    @Test
    void acceptsALaterVersionWithExtraFields() {
        String future = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds";
        assertThat(TraceContext.isValid(future)).isTrue();
        assertThat(TraceContext.fromHeader(future).traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
        assertThat(TraceContext.isValid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "00",
        "garbage-garbage-garbage-garbage-garbage-garbage-garbage-",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    void rejectsInvalidHeaders(String header) {
        assertThat(TraceContext.isValid(header)).isFalse();
        TraceContext trace = TraceContext.fromHeader(header);
        assertThat(trace.parentId()).isNull();
        assertThat(trace.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceContext.isValid(trace.traceparent())).isTrue();
    }

    @Test
    void newIdsAreValidAndDistinct() {
        Set<String> traces = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            TraceContext trace = TraceContext.fromHeader(null);
            assertThat(TraceContext.isValid(trace.traceparent())).isTrue();
            traces.add(trace.traceId());
        }
        assertThat(traces).hasSize(1000);
    }
}
