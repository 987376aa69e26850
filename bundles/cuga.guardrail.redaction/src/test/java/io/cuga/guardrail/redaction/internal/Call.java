package io.cuga.guardrail.redaction.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** A call as the chain hands it to a guardrail; built fluently in tests. */
record Call(ToolDescriptor tool, Map<String, Object> arguments, String profile, String session, String caller,
    String callId, String traceId, Instant startedAt, boolean dryRun) implements GuardedCall {

    static Call of(String tool) {
        return new Call(descriptor(tool, RiskTier.READ, "cuga.tool.test"), Map.of(), "default", "s1", "alice", "c-1",
            "0af7651916cd43dd8448eb211c80319c", Instant.EPOCH, false);
    }

    static ToolDescriptor descriptor(String name, RiskTier risk, String bundle) {
        return new ToolDescriptor(name, "", "{\"type\":\"object\"}", risk, List.of(), 0, bundle, "1.0.0");
    }

    Call risk(RiskTier tier) {
        return new Call(descriptor(tool.name(), tier, tool.bundle()), arguments, profile, session, caller, callId, traceId,
            startedAt, dryRun);
    }

    Call bundle(String bundle) {
        return new Call(descriptor(tool.name(), tool.risk(), bundle), arguments, profile, session, caller, callId, traceId,
            startedAt, dryRun);
    }

    Call args(Map<String, Object> args) {
        return new Call(tool, args, profile, session, caller, callId, traceId, startedAt, dryRun);
    }

    Call profile(String p) {
        return new Call(tool, arguments, p, session, caller, callId, traceId, startedAt, dryRun);
    }

    Call session(String s) {
        return new Call(tool, arguments, profile, s, caller, callId, traceId, startedAt, dryRun);
    }

    Call caller(String c) {
        return new Call(tool, arguments, profile, session, c, callId, traceId, startedAt, dryRun);
    }

    Call id(String id) {
        return new Call(tool, arguments, profile, session, caller, id, traceId, startedAt, dryRun);
    }

    Call trace(String t) {
        return new Call(tool, arguments, profile, session, caller, callId, t, startedAt, dryRun);
    }

    Call dry() {
        return new Call(tool, arguments, profile, session, caller, callId, traceId, startedAt, true);
    }
}
