package io.cuga.http.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/**
 * Small hand-written implementations of the orchestrator's API for the servlet tests. The real orchestrator is
 * tested in its own bundle; these only let the tests choose outcomes and see what the servlet passed on.
 */
final class TestDoubles {

    private TestDoubles() {
    }

    static final ToolDescriptor CALCULATOR = new ToolDescriptor("calculator", "Evaluates arithmetic",
        "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}",
        RiskTier.READ, List.of(), 0, "cuga.tool.calculator", "1.0.0");

    static final ToolDescriptor WIRE = new ToolDescriptor("wire_money", "Moves money", "{\"type\":\"object\"}",
        RiskTier.FINANCIAL, List.of(), 0, "cuga.tool.bank", "2.1.0");

    /** A dispatcher whose outcome the test chooses, recording every request. */
    static class ScriptedDispatcher implements Dispatcher {
        final List<CallRequest> requests = new CopyOnWriteArrayList<>();
        volatile Function<CallRequest, CallOutcome> script = TestDoubles::ok;

        @Override
        public CallOutcome dispatch(CallRequest request) {
            requests.add(request);
            return script.apply(request);
        }

        CallRequest last() {
            return requests.get(requests.size() - 1);
        }

        @Override
        public io.cuga.api.dispatch.Evaluation evaluate(CallRequest request) {
            requests.add(request);
            Decision allow = Decision.allow();
            return new io.cuga.api.dispatch.Evaluation(request.tool(), request.profile(), 1, allow, List.of(allow),
                null, null);
        }
    }

    static CallOutcome ok(CallRequest request) {
        return new CallOutcome(CallOutcome.Status.OK, request.tool(), "call-1", request.traceId(),
            Map.of("value", 3), null, null, Map.of(), Decision.allow(), 1000);
    }

    static CallOutcome failed(CallRequest request, CallOutcome.Status status, String code, String message,
        Map<String, Object> details, Decision decision) {
        return new CallOutcome(status, request.tool(), "call-9", request.traceId(), null, code, message, details,
            decision, 1000);
    }

    /** A registry with a fixed view per profile. */
    static final class FixedRegistry implements ToolRegistry {
        volatile Map<String, List<ToolDescriptor>> byProfile = Map.of("default", List.of(CALCULATOR),
            "finance", List.of(CALCULATOR, WIRE));
        final List<String> askedProfiles = new CopyOnWriteArrayList<>();

        @Override
        public List<ToolDescriptor> visible(String profile) {
            askedProfiles.add(profile);
            return byProfile.getOrDefault(profile, List.of());
        }

        @Override
        public Optional<ToolDescriptor> find(String name, String profile) {
            return visible(profile).stream().filter(t -> t.name().equals(name)).findFirst();
        }

        @Override
        public List<ToolInfo> all() {
            List<ToolInfo> out = new ArrayList<>();
            out.add(new ToolInfo("Bad Name", "cuga.tool.broken", "0.1.0", ToolInfo.State.REFUSED,
                "tool name must match ^[a-z][a-z0-9_]*$", null));
            out.add(new ToolInfo("calculator", CALCULATOR.bundle(), CALCULATOR.bundleVersion(),
                ToolInfo.State.VISIBLE, "", CALCULATOR));
            out.add(new ToolInfo("wire_money", WIRE.bundle(), WIRE.bundleVersion(), ToolInfo.State.HIDDEN,
                "not allowlisted by profile default", WIRE));
            return out;
        }

        @Override
        public List<Diagnostic> diagnostics() {
            return List.of(new Diagnostic("bundle_unresolved", "cuga.tool.broken 0.1.0",
                "missing requirement osgi.wiring.package=com.example.missing",
                Instant.parse("2026-11-27T10:15:30Z")));
        }
    }

    /** A readiness check with a settable state. */
    static final class Check implements ReadinessCheck {
        final String name;
        volatile boolean ready;
        volatile RuntimeException failure;

        Check(String name, boolean ready) {
            this.name = name;
            this.ready = ready;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Readiness check() {
            if (failure != null) {
                throw failure;
            }
            return new Readiness(ready, ready ? name + " is up" : name + " is starting");
        }
    }
}
