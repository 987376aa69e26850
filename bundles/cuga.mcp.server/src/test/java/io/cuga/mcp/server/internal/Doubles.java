package io.cuga.mcp.server.internal;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cuga.api.auth.AuthenticatedCaller;
import io.cuga.api.auth.AuthenticationException;
import io.cuga.api.auth.Authenticator;
import io.cuga.api.auth.Role;
import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.Approvals;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.Evaluation;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.store.Approval;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/**
 * Small in-memory stand-ins for the orchestrator's services (the e2e tests run the real ones): a registry with
 * per-profile visibility, a dispatcher with scripted outcomes per tool, approvals that a test decides, and token
 * auth with two tokens.
 */
final class Doubles {

    static final String AGENT = "agent-secret";
    static final String OPS = "ops-secret";

    private Doubles() {
    }

    static <A> A config(Class<A> type, Map<String, Object> overrides) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
            (self, method, args) -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                : method.getDefaultValue()));
    }

    /** agent: any profile (default "default"); ops: profile "ops" only. */
    static final class Tokens implements Authenticator {
        @Override
        public AuthenticatedCaller authenticate(String authorization, String profile, String session, Role required)
            throws AuthenticationException {
            if (authorization == null) {
                throw new AuthenticationException(401, "unauthorized", "a bearer token is required", Map.of(),
                    "Bearer realm=\"cuga\"");
            }
            String token = authorization.substring("Bearer ".length());
            if (AGENT.equals(token)) {
                return new AuthenticatedCaller("agent", Role.AGENT, profile == null ? "default" : profile, session);
            }
            if (OPS.equals(token)) {
                if (profile != null && !profile.equals("ops")) {
                    throw new AuthenticationException(403, "forbidden", "this token may not use profile '" + profile
                        + "'", Map.of("profile", profile), null);
                }
                return new AuthenticatedCaller("ops", Role.AGENT, "ops", session);
            }
            throw new AuthenticationException(401, "unauthorized", "the bearer token is not valid", Map.of(),
                "Bearer realm=\"cuga\", error=\"invalid_token\"");
        }
    }

    static ToolDescriptor tool(String name, RiskTier risk) {
        return new ToolDescriptor(name, name + " tool", "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
            + "\"number\"}}}", risk, List.of(), 0, "test", "1.0.0");
    }

    /** Tools with the profiles that see them. */
    static final class Registry implements ToolRegistry {
        final Map<ToolDescriptor, List<String>> tools = new ConcurrentHashMap<>();
        volatile List<ToolInfo> all = List.of();

        void put(ToolDescriptor descriptor, String... profiles) {
            tools.put(descriptor, List.of(profiles));
            List<ToolInfo> next = new ArrayList<>();
            tools.keySet().forEach(d -> next.add(new ToolInfo(d.name(), "test", "1.0.0", ToolInfo.State.VISIBLE, "",
                d)));
            all = List.copyOf(next);
        }

        @Override
        public List<ToolDescriptor> visible(String profile) {
            return tools.entrySet().stream().filter(e -> e.getValue().contains(profile)).map(Map.Entry::getKey)
                .toList();
        }

        @Override
        public Optional<ToolDescriptor> find(String name, String profile) {
            return visible(profile).stream().filter(d -> d.name().equals(name)).findFirst();
        }

        @Override
        public List<ToolInfo> all() {
            return all;
        }

        @Override
        public List<Diagnostic> diagnostics() {
            return List.of();
        }
    }

    /** Scripted outcomes: "calculator" adds, "secret" is denied, "busy" is limited, "gated" needs approval. */
    static final class Calls implements Dispatcher {
        final List<CallRequest> seen = new CopyOnWriteArrayList<>();
        final MemoryApprovals approvals;

        Calls(MemoryApprovals approvals) {
            this.approvals = approvals;
        }

        @Override
        public CallOutcome dispatch(CallRequest request) {
            seen.add(request);
            return switch (request.tool()) {
                case "calculator" -> new CallOutcome(CallOutcome.Status.OK, request.tool(), "c1", "t1",
                    Map.of("value", ((Number) request.arguments().get("x")).doubleValue() + 1), null, null, Map.of(),
                    Decision.allow(), 1);
                case "secret" -> new CallOutcome(CallOutcome.Status.DENIED, request.tool(), "c2", "t2", null,
                    "denied", "tool 'secret' is not on the allowlist", Map.of(),
                    Decision.deny("allowlist", "tools", "tool 'secret' is not on the allowlist"), 1);
                case "busy" -> new CallOutcome(CallOutcome.Status.LIMITED, request.tool(), "c3", "t3", null,
                    "rate_limited", "5 calls per minute", Map.of(Decision.RETRY_AFTER_SECONDS, 12),
                    new Decision(Verdict.DENY, "ratelimit", "per-minute", "5 calls per minute",
                        Map.of(Decision.RETRY_AFTER_SECONDS, 12)), 1);
                case "gated" -> {
                    String id = approvals.open(request);
                    yield new CallOutcome(CallOutcome.Status.APPROVAL_REQUIRED, request.tool(), "c4", "t4", null,
                        "approval_required", "gated needs a human", Map.of(CallOutcome.APPROVAL_ID, id, "expiresAt",
                            "2030-01-01T00:00:00Z"), new Decision(Verdict.REQUIRE_APPROVAL, "approval", "tools",
                                "gated needs a human"), 1);
                }
                default -> new CallOutcome(CallOutcome.Status.NOT_FOUND, request.tool(), "c5", "t5", null,
                    "tool_not_found", "no tool '" + request.tool() + "' is visible", Map.of(), Decision.allow(), 1);
            };
        }

        @Override
        public Evaluation evaluate(CallRequest request) {
            throw new UnsupportedOperationException();
        }
    }

    /** Approvals a test decides; an approved one records the outcome the real orchestrator would. */
    static final class MemoryApprovals implements Approvals {
        final Map<String, Approval> byId = new ConcurrentHashMap<>();

        String open(CallRequest request) {
            String id = "ap-" + (byId.size() + 1);
            Instant now = Instant.now();
            byId.put(id, new Approval(id, Approval.Status.PENDING, now, now.plusSeconds(600), "c4", "t4",
                request.profile(), request.session(), request.caller(), request.tool(), "WRITE", request.arguments(),
                "gated needs a human", "", null, "", Map.of()));
            return id;
        }

        @Override
        public List<Approval> list(Approval.Status status, int limit) {
            return List.copyOf(byId.values());
        }

        @Override
        public Optional<Approval> get(String id) {
            return Optional.ofNullable(byId.get(id));
        }

        @Override
        public Approval decide(String id, boolean approve, String approver, String reason) {
            Approval a = byId.get(id);
            Map<String, Object> outcome = approve ? Map.of("status", "OK", "result", Map.of("value", 42))
                : Map.of("status", "DENIED", "error", Map.of("code", "approval_rejected", "message", reason));
            Approval decided = new Approval(a.id(), approve ? Approval.Status.APPROVED : Approval.Status.REJECTED,
                a.createdAt(), a.expiresAt(), a.callId(), a.traceId(), a.profile(), a.session(), a.requester(),
                a.tool(), a.risk(), a.arguments(), a.requiredBecause(), approver, Instant.now(), reason, outcome);
            byId.put(id, decided);
            return decided;
        }
    }
}
