package io.cuga.orchestrator.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/**
 * Runs the guardrails a profile's policy names, in the policy's order, on one policy snapshot. Fails closed:
 * no policy engine, no policy for the profile, a guardrail type whose bundle is gone, a guardrail that throws or
 * answers nothing: each denies, naming why.
 */
final class GuardrailChain {

    private static final Logger LOG = LoggerFactory.getLogger(GuardrailChain.class);

    /** The guardrail name used for denials the chain itself makes. */
    static final String POLICY = "policy";

    /** The rule of a deny because a guardrail could not reach the store it needs: answered 503, not 403. */
    static final String STORE_UNAVAILABLE = "store_unavailable";

    private GuardrailChain() {
    }

    /** The chain's verdict on a call, and what must be told when the call ends. */
    static final class Result {
        private static final long[] NONE = new long[0];

        final Policy policy;
        final Decision decision;
        final List<Decision> decisions;
        final List<Guardrail.Rules> checked;
        /** When each of {@link #decisions} started to be made ({@link System#nanoTime()}); may be shorter. */
        final long[] startNanos;
        /** How long each of {@link #decisions} took to make, in nanoseconds; as long as {@link #startNanos}. */
        final long[] durationNanos;

        Result(Policy policy, Decision decision, List<Decision> decisions, List<Guardrail.Rules> checked) {
            this(policy, decision, decisions, checked, NONE, NONE);
        }

        Result(Policy policy, Decision decision, List<Decision> decisions, List<Guardrail.Rules> checked,
            long[] startNanos, long[] durationNanos) {
            this.policy = policy;
            this.decision = decision;
            this.decisions = decisions;
            this.checked = checked;
            this.startNanos = startNanos;
            this.durationNanos = durationNanos;
        }

        /** Tells every guardrail that saw the call how it ended; a guardrail failing here is logged only. */
        void complete(GuardedCall call, Decision finalDecision, CallOutcome outcome) {
            for (Guardrail.Rules rules : checked) {
                try {
                    rules.complete(call, finalDecision, outcome);
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("Guardrail rules {} failed to complete call {}: {}", rules.getClass().getName(),
                        call.callId(), String.valueOf(e));
                }
            }
        }
    }

    /**
     * @param policies the policy engine, or null when its bundle is absent
     * @param call the call
     * @param progress told which guardrail runs, for a timeout message
     * @return the decision; in a dry run every guardrail decides, otherwise the chain stops at the first deny
     */
    static Result run(PolicyService policies, GuardedCall call, Progress progress) {
        if (policies == null) {
            Decision deny = Decision.deny(POLICY, "no_policy_engine",
                "the policy engine (bundle cuga.policy) is not running: every call is denied until it is");
            return new Result(null, deny, List.of(deny), List.of());
        }
        Optional<Policy> active;
        try {
            active = policies.active(call.profile());
        } catch (RuntimeException e) {
            LOG.warn("Policy lookup for profile '{}' failed: {}", call.profile(), String.valueOf(e));
            Decision deny = Decision.deny(POLICY, "policy_error", "the policy of profile '" + call.profile()
                + "' could not be read (" + e.getClass().getSimpleName() + ")");
            return new Result(null, deny, List.of(deny), List.of());
        }
        if (active.isEmpty()) {
            Decision deny = Decision.deny(POLICY, "no_policy",
                "profile '" + call.profile() + "' has no active policy");
            return new Result(null, deny, List.of(deny), List.of());
        }
        Policy policy = active.get();
        Decision combined = Decision.allow();
        List<Decision> decisions = new ArrayList<>();
        List<Guardrail.Rules> checked = new ArrayList<>();
        List<String> types = policy.guardrails();
        long[] starts = new long[types.size()];
        long[] durations = new long[types.size()];
        int ran = 0;
        for (String type : types) {
            progress.at(type);
            long started = System.nanoTime();
            Decision decision;
            Guardrail.Rules rules = null;
            try {
                rules = policy.rules(type);
                if (rules == null) {
                    decision = Decision.deny(type, "guardrail_missing", "guardrail type '" + type
                        + "' named by the policy of profile '" + policy.profile() + "' is not installed");
                } else {
                    checked.add(rules);
                    decision = rules.check(call);
                    if (decision == null) {
                        decision = Decision.deny(type, "no_decision", "guardrail '" + type + "' gave no decision");
                    } else if (decision.guardrail().isEmpty()) {
                        // a plain allow names nobody: the chain's account names every guardrail that decided
                        decision = new Decision(decision.verdict(), type, decision.rule(), decision.reason(),
                            decision.details());
                    }
                }
            } catch (StoreUnavailableException e) {
                LOG.warn("Guardrail '{}' could not reach the store on call {}: {}", type, call.callId(),
                    e.getMessage());
                decision = Decision.deny(type, STORE_UNAVAILABLE, "guardrail '" + type
                    + "' could not reach the store: " + e.getMessage());
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Guardrail '{}' failed on call {}: {}", type, call.callId(), String.valueOf(e));
                decision = Decision.deny(type, rules == null ? "guardrail_missing" : "guardrail_error",
                    "guardrail '" + type + "' failed (" + e.getClass().getSimpleName() + "): the call is denied");
            }
            starts[ran] = started;
            durations[ran++] = System.nanoTime() - started;
            decisions.add(decision);
            call = raisedRisk(call, decision);
            // the strictest verdict wins; among equals, the first names the chain's decision
            if (decision.verdict().ordinal() > combined.verdict().ordinal()) {
                combined = decision;
            }
            if (decision.verdict() == Verdict.DENY && !call.dryRun()) {
                break;
            }
        }
        return new Result(policy, combined, List.copyOf(decisions), checked,
            ran == starts.length ? starts : java.util.Arrays.copyOf(starts, ran),
            ran == durations.length ? durations : java.util.Arrays.copyOf(durations, ran));
    }

    /**
     * A guardrail may raise the call's risk tier for the guardrails after it: a decision with
     * {@code details.risk} higher than the tool's own tier (the allowlist's per-profile {@code risk} override) makes
     * the later guardrails (approval first of all) see the tool at that tier. A tier is never lowered.
     */
    static GuardedCall raisedRisk(GuardedCall call, Decision decision) {
        Object risk = decision.details().get("risk");
        if (!(risk instanceof String)) {
            return call;
        }
        RiskTier tier;
        try {
            tier = RiskTier.parse((String) risk);
        } catch (IllegalArgumentException e) {
            return call;
        }
        ToolDescriptor tool = call.tool();
        if (tier.compareTo(tool.risk()) <= 0) {
            return call;
        }
        ToolDescriptor raised = new ToolDescriptor(tool.name(), tool.description(), tool.inputSchema(), tier,
            tool.outbound(), tool.timeoutMillis(), tool.bundle(), tool.bundleVersion());
        return new Call(raised, call.arguments(), call.profile(), call.session(), call.caller(), call.callId(),
            call.traceId(), call.dryRun(), call.startedAt());
    }

    /** Where the chain is, so a timeout can name the guardrail that did not answer. */
    interface Progress {
        void at(String type);
    }

    /** A call as the guardrails see it. */
    static final class Call implements GuardedCall {
        private final ToolDescriptor tool;
        private final Map<String, Object> arguments;
        private final String profile;
        private final String session;
        private final String caller;
        private final String callId;
        private final String traceId;
        private final Instant startedAt;
        private final boolean dryRun;

        Call(ToolDescriptor tool, Map<String, Object> arguments, String profile, String session, String caller,
            String callId, String traceId, boolean dryRun) {
            this(tool, arguments, profile, session, caller, callId, traceId, dryRun, Instant.now());
        }

        Call(ToolDescriptor tool, Map<String, Object> arguments, String profile, String session, String caller,
            String callId, String traceId, boolean dryRun, Instant startedAt) {
            this.tool = tool;
            this.arguments = arguments;
            this.profile = profile;
            this.session = session;
            this.caller = caller;
            this.callId = callId;
            this.traceId = traceId;
            this.startedAt = startedAt;
            this.dryRun = dryRun;
        }

        @Override
        public ToolDescriptor tool() {
            return tool;
        }

        @Override
        public Map<String, Object> arguments() {
            return arguments;
        }

        @Override
        public String profile() {
            return profile;
        }

        @Override
        public String session() {
            return session;
        }

        @Override
        public String caller() {
            return caller;
        }

        @Override
        public String callId() {
            return callId;
        }

        @Override
        public String traceId() {
            return traceId;
        }

        @Override
        public Instant startedAt() {
            return startedAt;
        }

        @Override
        public boolean dryRun() {
            return dryRun;
        }
    }
}
