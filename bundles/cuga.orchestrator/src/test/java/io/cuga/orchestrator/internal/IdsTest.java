package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void traceIdsAreW3cShaped() {
        String id = DispatcherImpl.Ids.traceId();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(DispatcherImpl.Ids.validTraceId(id)).isTrue();
        assertThat(DispatcherImpl.Ids.traceId()).isNotEqualTo(id);
    }

    @Test
    void invalidTraceIdsAreRejected() {
        assertThat(DispatcherImpl.Ids.validTraceId("00000000000000000000000000000000")).isFalse();
        assertThat(DispatcherImpl.Ids.validTraceId("ABCDEF00000000000000000000000000")).isFalse();
        assertThat(DispatcherImpl.Ids.validTraceId("abc")).isFalse();
        assertThat(DispatcherImpl.Ids.validTraceId(null)).isFalse();
    }

    @Test
    void onlyW3cSpanIdsAreTakenAsTheCallersSpan() {
        assertThat(DispatcherImpl.Ids.validSpanId("00f067aa0ba902b7")).isTrue();
        assertThat(DispatcherImpl.Ids.validSpanId("0000000000000000")).isFalse();
        assertThat(DispatcherImpl.Ids.validSpanId("00F067AA0BA902B7")).isFalse();
        assertThat(DispatcherImpl.Ids.validSpanId("00f067aa0ba902b")).isFalse();
        assertThat(DispatcherImpl.Ids.validSpanId("")).isFalse();
        assertThat(DispatcherImpl.Ids.validSpanId(null)).isFalse();
    }
}
