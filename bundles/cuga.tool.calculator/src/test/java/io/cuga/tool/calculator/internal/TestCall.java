package io.cuga.tool.calculator.internal;

import java.time.Instant;
import java.util.Map;

import io.cuga.api.tool.ToolCall;

/** A tool call as the dispatcher hands it over, with fixed context values. */
record TestCall(Map<String, Object> arguments) implements ToolCall {

    @Override
    public String tool() {
        return "calculator";
    }

    @Override
    public String callId() {
        return "call-1";
    }

    @Override
    public String traceId() {
        return "4bf92f3577b34da6a3ce929d0e0e4736";
    }

    @Override
    public String profile() {
        return "default";
    }

    @Override
    public String session() {
        return "";
    }

    @Override
    public String caller() {
        return "tester";
    }

    @Override
    public Instant deadline() {
        return Instant.now().plusSeconds(10);
    }

    @Override
    public boolean cancelled() {
        return false;
    }
}
