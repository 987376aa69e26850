package io.cuga.tool.openapi.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.cuga.api.tool.ToolCall;

/** A call as the dispatcher hands it over: profile {@code default}, a deadline. */
record TestCall(String tool, Map<String, Object> arguments, Instant deadline) implements ToolCall {

    TestCall(String tool, Map<String, Object> arguments) {
        this(tool, arguments, Instant.now().plus(Duration.ofSeconds(30)));
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
    public boolean cancelled() {
        return false;
    }
}
