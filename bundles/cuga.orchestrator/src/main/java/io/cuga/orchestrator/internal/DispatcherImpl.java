package io.cuga.orchestrator.internal;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.Evaluation;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;

/**
 * The one guarded path to a tool. Every caller (HTTP, MCP, agents, batch) comes through
 * {@link #dispatch(CallRequest)}: the tool must be visible in the registry snapshot the call takes, its
 * arguments must pass its schema, and it runs on a bounded pool behind a per-tool bulkhead with a deadline.
 * Every ending is mapped to a {@link CallOutcome}; nothing a tool throws reaches the caller as a stack trace.
 */
@Component(service = Dispatcher.class, immediate = true, configurationPid = DispatcherConfig.PID)
@Designate(ocd = DispatcherConfig.class)
public class DispatcherImpl implements Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(DispatcherImpl.class);

    private final BundleContext context;
    private final ToolTracker tracker;
    private final ThreadPoolExecutor pool;
    private volatile DispatcherConfig config;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    /** The audit trail; without one every call is refused (503): nothing runs unaudited. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile AuditTrail audit;

    /** Where calls wait for a human; without it a call that needs approval is denied. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ApprovalDesk desk;

    /** How long a call waits for a human when the decision does not say. */
    static final long DEFAULT_APPROVAL_SECONDS = 300;

    @Activate
    public DispatcherImpl(BundleContext context, @Reference ToolTracker tracker, DispatcherConfig config) {
        this.context = context;
        this.tracker = tracker;
        this.config = config;
        this.pool = new ThreadPoolExecutor(config.pool_threads(), config.pool_threads(), 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(Math.max(1, config.queue_size())), new ToolThreads());
        this.pool.allowCoreThreadTimeOut(true);
    }

    @Modified
    void modified(DispatcherConfig newConfig) {
        int threads = newConfig.pool_threads();
        if (threads >= pool.getCorePoolSize()) {
            pool.setMaximumPoolSize(threads);
            pool.setCorePoolSize(threads);
        } else {
            pool.setCorePoolSize(threads);
            pool.setMaximumPoolSize(threads);
        }
        this.config = newConfig;
    }

    @Deactivate
    void deactivate() {
        pool.shutdownNow();
    }

    @Override
    public CallOutcome dispatch(CallRequest request) {
        CallAudit record = new CallAudit(request, Ids.callId(),
            Ids.validTraceId(request.traceId()) ? request.traceId() : Ids.traceId());
        CallOutcome outcome = recorded(record, guarded(record));
        publishBudget(record);
        if (outcome.status() == Status.APPROVAL_REQUIRED) {
            // the request is durable: from now on an approver may release it
            ApprovalDesk approvals = desk;
            if (approvals != null && record.waiter != null) {
                approvals.await(record.waiter);
                approvals.publish(EventTypes.APPROVAL_REQUESTED, record.approval);
            }
            return outcome;
        }
        publishOutcome(record, outcome);
        return outcome;
    }

    /**
     * Publishes what the budget guardrail said about a call: {@code budget.warning} for a warning (the warn ratio
     * reached, or a warn-mode exceedance), {@code budget.exceeded} for a refusal.
     */
    private void publishBudget(CallAudit record) {
        EventPublisher publisher = events;
        GuardrailChain.Result chain = record.chain;
        if (publisher == null || chain == null) {
            return;
        }
        for (Decision d : chain.decisions) {
            if (!"budget".equals(d.guardrail()) || d.verdict() == Verdict.ALLOW) {
                continue;
            }
            String type = d.verdict() == Verdict.DENY ? EventTypes.BUDGET_EXCEEDED : EventTypes.BUDGET_WARNING;
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("tool", record.request.tool());
            attributes.put("callId", record.callId);
            attributes.put("rule", d.rule());
            attributes.put("reason", d.reason());
            attributes.putAll(d.details());
            publisher.publish(new Event(type, Instant.now(), record.traceId, record.request.profile(),
                record.request.session(), d.verdict().name().toLowerCase(java.util.Locale.ROOT), 0, attributes));
        }
    }

    private void publishOutcome(CallAudit record, CallOutcome outcome) {
        EventPublisher publisher = events;
        if (publisher != null) {
            CallRequest request = record.request;
            Map<String, Object> attributes = outcomeAttributes(outcome, request);
            traceAttributes(record, outcome, attributes);
            publisher.publish(new Event(outcome.ok() ? EventTypes.TOOL_CALL_COMPLETE : EventTypes.TOOL_CALL_ERROR,
                Instant.now(), outcome.traceId(), request.profile(), request.session(),
                outcome.status().name().toLowerCase(java.util.Locale.ROOT), outcome.durationNanos(), attributes));
        }
    }

    /**
     * What a trace exporter needs to draw the call as spans with their real start and end: when it started, the
     * caller's span, the tool's risk and bundle, and each guardrail's decision with when it was made and how long
     * it took (offset from the call's start); the call's content only when configured.
     */
    private void traceAttributes(CallAudit record, CallOutcome outcome, Map<String, Object> attributes) {
        attributes.put("startedAt", IsoInstant.format(record.startedAt));
        String parent = record.request.parentSpanId();
        if (Ids.validSpanId(parent)) {
            attributes.put("parentSpanId", parent);
            if (!record.request.sampled()) {
                attributes.put("sampled", false); // the caller does not record this trace
            }
        }
        if (!record.risk.isEmpty()) {
            attributes.put("risk", record.risk);
        }
        if (!record.bundle.isEmpty()) {
            attributes.put("bundle", record.bundle);
            attributes.put("bundleVersion", record.bundleVersion);
        }
        GuardrailChain.Result chain = record.chain;
        if (chain != null && !chain.decisions.isEmpty()) {
            List<Map<String, Object>> guardrails = new java.util.ArrayList<>(chain.decisions.size());
            for (int i = 0; i < chain.decisions.size(); i++) {
                Decision d = chain.decisions.get(i);
                boolean timed = i < chain.startNanos.length;
                guardrails.add(new DecisionAttributes(d.guardrail(), d.verdict().name(), d.rule(), d.reason(),
                    timed ? Math.max(0, chain.startNanos[i] - record.startNanos) : null,
                    timed ? chain.durationNanos[i] : null));
            }
            attributes.put("guardrails", guardrails);
        }
        if (config.events_include_content()) {
            Policy policy = chain == null ? null : chain.policy;
            try {
                attributes.put("arguments", record.redacted(policy));
                if (outcome.ok()) {
                    attributes.put("result", CallAudit.redacted(policy, outcome.result()));
                }
            } catch (RuntimeException e) {
                attributes.remove("arguments");
                attributes.put("content", "the redaction rules failed: the call's content is not shown");
            }
        }
    }

    @Override
    public Evaluation evaluate(CallRequest request) {
        String callId = Ids.callId();
        String traceId = Ids.validTraceId(request.traceId()) ? request.traceId() : Ids.traceId();
        ToolEntry entry = tracker.snapshot().visible.get(request.tool());
        if (entry == null) {
            return new Evaluation(request.tool(), request.profile(), 0,
                Decision.deny("registry", "unknown_tool", "no tool named '" + request.tool() + "' is available"),
                List.of(), Status.NOT_FOUND, "no tool named '" + request.tool() + "' is available");
        }
        List<Map<String, Object>> violations = entry.schema.validate(request.arguments());
        GuardrailChain.Call guarded = new GuardrailChain.Call(entry.descriptor,
            Collections.unmodifiableMap(request.arguments()), request.profile(), request.session(), request.caller(),
            callId, traceId, true);
        GuardrailChain.Result result = chainWithDeadline(guarded);
        Status problem = violations.isEmpty() ? null : Status.INVALID_ARGUMENTS;
        String message = violations.isEmpty() ? null : violationMessage(violations);
        return new Evaluation(request.tool(), request.profile(),
            result.policy == null ? 0 : result.policy.version(), result.decision, result.decisions, problem, message);
    }

    /** The chain for a dry run, on the pool, with the chain's deadline: a hanging guardrail denies. */
    private GuardrailChain.Result chainWithDeadline(GuardrailChain.Call guarded) {
        String[] at = {""};
        FutureTask<GuardrailChain.Result> task = new FutureTask<>(
            () -> GuardrailChain.run(policies, guarded, type -> at[0] = type));
        long timeout = config.guardrail_timeout_millis();
        try {
            pool.execute(task);
            return task.get(timeout, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            Decision deny = Decision.deny(GuardrailChain.POLICY, "server_busy", "the server is too busy to evaluate");
            return new GuardrailChain.Result(null, deny, List.of(deny), List.of());
        } catch (TimeoutException e) {
            task.cancel(true);
            Decision deny = Decision.deny(at[0], "guardrail_timeout",
                "guardrail '" + at[0] + "' did not answer within " + timeout + " ms");
            return new GuardrailChain.Result(null, deny, List.of(deny), List.of());
        } catch (ExecutionException e) {
            Decision deny = Decision.deny(GuardrailChain.POLICY, "chain_error",
                "the guardrail chain failed (" + e.getCause().getClass().getSimpleName() + ")");
            return new GuardrailChain.Result(null, deny, List.of(deny), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Decision deny = Decision.deny(GuardrailChain.POLICY, "interrupted", "the server is stopping");
            return new GuardrailChain.Result(null, deny, List.of(deny), List.of());
        }
    }

    private static Map<String, Object> outcomeAttributes(CallOutcome outcome, CallRequest request) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("tool", request.tool());
        attributes.put("callId", outcome.callId());
        attributes.put("caller", request.caller());
        attributes.put("verdict", outcome.decision().verdict().name());
        if (!outcome.decision().guardrail().isEmpty()) {
            attributes.put("guardrail", outcome.decision().guardrail());
        }
        if (!outcome.decision().rule().isEmpty()) {
            attributes.put("rule", outcome.decision().rule());
        }
        if (outcome.errorCode() != null) {
            attributes.put("error", outcome.errorCode());
        }
        // the usage a tool reported (a model call's tokens), and the model its result names: for chat spans
        Map<String, Object> details = outcome.details();
        if (outcome.ok() && details != null && details.get("inputTokens") instanceof Number) {
            attributes.put("inputTokens", details.get("inputTokens"));
            attributes.put("outputTokens", details.get("outputTokens"));
            if (outcome.result() instanceof Map<?, ?> result && result.get("model") instanceof String model) {
                attributes.put("model", model);
            }
        }
        return attributes;
    }

    private static String violationMessage(List<Map<String, Object>> violations) {
        Map<String, Object> first = violations.get(0);
        String field = (String) first.get("field");
        return (field.isEmpty() ? "arguments" : "argument '" + field + "'") + ": " + first.get("message");
    }

    /**
     * Makes the call's records durable before its caller hears the outcome: the attempt (unless it was written
     * before the tool ran) and the outcome, in one append. When they cannot be, the caller hears 503 instead:
     * a result whose outcome is not on record is withheld, never acknowledged.
     */
    private CallOutcome recorded(CallAudit record, CallOutcome outcome) {
        List<AuditRecord> records = new java.util.ArrayList<>(2);
        boolean pending = outcome.status() == Status.APPROVAL_REQUIRED;
        if (!record.attemptRecorded) {
            GuardrailChain.Result chain = record.chain;
            records.add(record.attempt(chain != null ? chain.decision : refusal(outcome)));
        }
        // a call sent for approval has no outcome yet: its request is recorded, its outcome when it ends
        records.add(pending ? ApprovalDesk.record(record.approval, "requested") : record.outcome(outcome));
        try {
            trail().append(records);
            record.attemptRecorded = true;
            return outcome;
        } catch (StoreUnavailableException e) {
            if (pending) {
                return unrecordedApproval(record, outcome, e);
            }
            LOG.warn("Call {} to tool '{}' ended {} but its audit records could not be written: {}", record.callId,
                record.request.tool(), outcome.status(), e.getMessage());
            if (outcome.errorCode() != null && outcome.errorCode().equals("store_unavailable")) {
                return outcome;
            }
            boolean ran = record.attemptRecorded;
            String message = (ran ? "tool '" + record.request.tool() + "' ran but its outcome could not be recorded"
                + " in the audit trail, so its result is withheld: " : "the call could not be recorded in the audit "
                + "trail: ") + e.getMessage();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("toolRan", ran);
            return fail(Status.UNAVAILABLE, record.request, record.callId, record.traceId, record.startNanos,
                "store_unavailable", message, details, outcome.decision());
        }
    }

    /**
     * A call sent for approval whose request could not be audited: the approval is withdrawn (rejected by the
     * server), the chain released, and the caller hears 503. Nothing runs on an approval nobody can trace.
     */
    private CallOutcome unrecordedApproval(CallAudit record, CallOutcome outcome, StoreUnavailableException e) {
        ApprovalDesk approvals = desk;
        try {
            if (approvals != null) {
                approvals.store().decide(record.approval.id(), Approval.Status.REJECTED, "cuga",
                    "the request could not be recorded in the audit trail", Instant.now());
            }
        } catch (RuntimeException ignored) {
            // the store is failing; the approval expires by itself and its waiter was never started
        }
        if (record.waiter != null) {
            ((ApprovalWaiter) record.waiter).denied(record.approval, "store_unavailable", e.getMessage(), false);
            record.waiter = null;
        }
        return fail(Status.UNAVAILABLE, record.request, record.callId, record.traceId, record.startNanos,
            "store_unavailable", "the call needs a human's approval and its request could not be recorded in the "
                + "audit trail: " + e.getMessage(), Map.of("toolRan", false), outcome.decision());
    }

    /**
     * @return the decision to record for a call that never reached the chain's verdict: the outcome's when it has
     *     one, else a deny by the dispatcher's own check (unknown tool, bad arguments, busy, no store)
     */
    private static Decision refusal(CallOutcome outcome) {
        if (outcome.ok() || outcome.decision().verdict() != Verdict.ALLOW) {
            return outcome.decision();
        }
        String by = outcome.status() == Status.INVALID_ARGUMENTS ? "schema"
            : outcome.status() == Status.NOT_FOUND ? "registry" : "dispatcher";
        return Decision.deny(by, outcome.errorCode() == null ? "" : outcome.errorCode(),
            outcome.message() == null ? "" : outcome.message());
    }

    /** @return the audit trail, or throws when there is none: the caller fails closed */
    private AuditTrail trail() {
        AuditTrail trail = audit;
        if (trail == null) {
            throw new StoreUnavailableException("no audit trail is running (is a store bundle installed and "
                + "configured? see GET /ready)");
        }
        return trail;
    }

    /** Writes the attempt record of a call the chain let through, before its tool runs. */
    private void recordAttempt(CallAudit record) {
        GuardrailChain.Result chain = record.chain;
        trail().append(List.of(record.attempt(chain.decision)));
        record.attemptRecorded = true;
    }

    private CallOutcome guarded(CallAudit record) {
        CallRequest request = record.request;
        long start = record.startNanos;
        String callId = record.callId;
        String traceId = record.traceId;
        ToolTracker.Snapshot snapshot = tracker.snapshot();
        ToolEntry entry = snapshot.visible.get(request.tool());
        if (entry == null) {
            return fail(Status.NOT_FOUND, request, callId, traceId, start, "unknown_tool",
                "no tool named '" + request.tool() + "' is available", Map.of());
        }
        Map<String, Object> arguments = request.arguments();
        List<Map<String, Object>> violations = entry.schema.validate(arguments);
        if (!violations.isEmpty()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("field", violations.get(0).get("field"));
            details.put("violations", violations);
            return fail(Status.INVALID_ARGUMENTS, request, callId, traceId, start, "invalid_arguments",
                violationMessage(violations), details);
        }
        record.risk = entry.descriptor.risk().name();
        record.bundle = entry.bundle == null ? "" : entry.bundle;
        record.bundleVersion = entry.bundleVersion == null ? "" : entry.bundleVersion;
        return invoke(entry, record, Collections.unmodifiableMap(arguments));
    }

    /**
     * Runs the call on the pool: first the guardrail chain (with its own short deadline, so a hanging guardrail
     * denies instead of hanging the caller), then, if the chain allows, the tool (with the tool's deadline).
     */
    private CallOutcome invoke(ToolEntry entry, CallAudit record, Map<String, Object> arguments) {
        return invoke(entry, record, arguments, null);
    }

    /**
     * @param decided the chain's result of a call a human approved (the chain ran when the call was made and is
     *     not run again), or null for a new call
     */
    private CallOutcome invoke(ToolEntry entry, CallAudit record, Map<String, Object> arguments,
        GuardrailChain.Result decided) {
        CallRequest request = record.request;
        String callId = record.callId;
        String traceId = record.traceId;
        long start = record.startNanos;
        DispatcherConfig cfg = config;
        long timeout = entry.descriptor.timeoutMillis() > 0 ? entry.descriptor.timeoutMillis()
            : cfg.default_timeout_millis();
        GuardrailChain.Call guarded = new GuardrailChain.Call(entry.descriptor, arguments, request.profile(),
            request.session(), request.caller(), callId, traceId, false);
        if (!entry.tryEnterBulkhead(cfg.tool_concurrency())) {
            return ended(decided, guarded, fail(Status.OVERLOADED, request, callId, traceId, start, "tool_busy",
                "tool '" + entry.name + "' is running as many calls as it may; try again shortly", Map.of()));
        }
        Call call = new Call(entry, record, arguments, guarded, timeout, decided);
        if (!entry.enter(call)) {
            call.releasePermit();
            return ended(decided, guarded, unavailable(request, callId, traceId, start, Decision.allow()));
        }
        try {
            try {
                pool.execute(call.task);
            } catch (RejectedExecutionException e) {
                call.releasePermit();
                return ended(decided, guarded, fail(Status.OVERLOADED, request, callId, traceId, start,
                    "server_busy", "the server is running as many tool calls as it may; try again shortly",
                    Map.of()));
            }
            GuardrailChain.Result chain = call.awaitChain(cfg.guardrail_timeout_millis());
            if (call.withdrawn) {
                if (chain != null) {
                    chain.complete(guarded, chain.decision, null);
                }
                return unavailable(request, callId, traceId, start, Decision.allow());
            }
            if (chain == null) {
                Decision deny = Decision.deny(call.guardrailAt, "guardrail_timeout", "guardrail '"
                    + call.guardrailAt + "' did not answer within " + cfg.guardrail_timeout_millis() + " ms");
                return denied(request, callId, traceId, start, deny);
            }
            Decision decision = chain.decision;
            if (decision.verdict() == Verdict.DENY) {
                chain.complete(guarded, decision, null);
                return denied(request, callId, traceId, start, decision);
            }
            if (decision.verdict() == Verdict.REQUIRE_APPROVAL && decided == null) {
                return requestApproval(entry, record, arguments, guarded, chain);
            }
            CallOutcome outcome = awaitTool(entry, call, request, callId, traceId, decision, timeout, start);
            chain.complete(guarded, decision, outcome);
            return outcome;
        } finally {
            entry.leave(call);
        }
    }

    /** An approved call that ended before its tool could start: its chain (held since the request) ends too. */
    private static CallOutcome ended(GuardrailChain.Result decided, GuardrailChain.Call guarded,
        CallOutcome outcome) {
        if (decided != null) {
            decided.complete(guarded, decided.decision, outcome);
        }
        return outcome;
    }

    /**
     * A call the policy sends to a human: stored as a pending approval, answered 202 with its id once the
     * request is audited ({@link #recorded}), and then watched by the {@link ApprovalDesk}, which runs it when
     * approved or denies it when rejected or expired. Its chain result (and so its budget reservation) is held
     * until then. Without an approval service or store the call is denied: nobody could approve it.
     */
    private CallOutcome requestApproval(ToolEntry entry, CallAudit record, Map<String, Object> arguments,
        GuardrailChain.Call guarded, GuardrailChain.Result chain) {
        CallRequest request = record.request;
        Decision decision = chain.decision;
        ApprovalDesk approvals = desk;
        if (approvals == null) {
            Decision deny = Decision.deny(decision.guardrail(), "no_approver", "the call needs a human's "
                + "approval (" + decision.reason() + ") and no approval service is running: denied");
            chain.complete(guarded, deny, null);
            return denied(request, record.callId, record.traceId, record.startNanos, deny);
        }
        Object seconds = decision.details().get("timeoutSeconds");
        long timeout = seconds instanceof Number ? ((Number) seconds).longValue() : DEFAULT_APPROVAL_SECONDS;
        Instant now = Instant.now();
        Object shown;
        try {
            shown = record.redacted(chain.policy);
        } catch (RuntimeException e) {
            shown = Map.of("[REDACTED]", "the redaction rules failed: the arguments are not shown");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> redacted = shown instanceof Map ? (Map<String, Object>) shown : Map.of();
        Approval approval = new Approval(Ids.callId(), Approval.Status.PENDING, now, now.plusSeconds(timeout),
            record.callId, record.traceId, request.profile(), request.session(), request.caller(), request.tool(),
            entry.descriptor.risk().name(), redacted, decision.reason(), "", null, "", Map.of());
        try {
            approval = approvals.store().create(approval);
        } catch (StoreUnavailableException e) {
            chain.complete(guarded, Decision.deny(decision.guardrail(), "store_unavailable", e.getMessage()), null);
            return fail(Status.UNAVAILABLE, request, record.callId, record.traceId, record.startNanos,
                "store_unavailable", "the call needs a human's approval and the approval could not be stored: "
                    + e.getMessage(), Map.of("toolRan", false), decision);
        }
        record.approval = approval;
        record.waiter = new ApprovalWaiter(entry, record, arguments, guarded, chain, approval);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(CallOutcome.APPROVAL_ID, approval.id());
        details.put("expiresAt", approval.expiresAt().toString());
        details.put("status", "pending");
        return new CallOutcome(Status.APPROVAL_REQUIRED, request.tool(), record.callId, record.traceId, null,
            "approval_required", decision.reason(), details, decision, System.nanoTime() - record.startNanos);
    }

    /** A call waiting for its approval: run when approved, denied when rejected or expired. */
    private final class ApprovalWaiter implements ApprovalDesk.Waiter {
        private final ToolEntry entry;
        private final CallAudit record;
        private final Map<String, Object> arguments;
        private final GuardrailChain.Call guarded;
        private final GuardrailChain.Result chain;
        private final Approval approval;

        ApprovalWaiter(ToolEntry entry, CallAudit record, Map<String, Object> arguments,
            GuardrailChain.Call guarded, GuardrailChain.Result chain, Approval approval) {
            this.entry = entry;
            this.record = record;
            this.arguments = arguments;
            this.guarded = guarded;
            this.chain = chain;
            this.approval = approval;
        }

        @Override
        public Approval approval() {
            return approval;
        }

        @Override
        public void approved(Approval decided) {
            CallOutcome outcome = invoke(entry, record, arguments, chain);
            finishApproved(record, decided, outcome);
        }

        @Override
        public void denied(Approval decided, String code, String reason) {
            denied(decided, code, reason, true);
        }

        /** @param finish whether to record the outcome (not when the request itself could not be recorded) */
        void denied(Approval decided, String code, String reason, boolean finish) {
            Decision deny = Decision.deny(ApprovalDesk.GUARDRAIL, code, reason);
            chain.complete(guarded, deny, null);
            if (finish) {
                CallOutcome outcome = fail(Status.DENIED, record.request, record.callId, record.traceId,
                    record.startNanos, code, reason, Map.of(CallOutcome.APPROVAL_ID, decided.id()), deny);
                finishApproved(record, decided, outcome);
            }
        }
    }

    /** Records how a call that waited for approval ended: audit trail, the approval itself, events. */
    private void finishApproved(CallAudit record, Approval approval, CallOutcome outcome) {
        CallOutcome recorded = recorded(record, outcome);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", recorded.status().name());
        summary.put("httpStatus", recorded.status().httpStatus());
        if (recorded.ok()) {
            summary.put("result", recorded.result());
        } else {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", recorded.errorCode());
            error.put("message", recorded.message());
            summary.put("error", error);
        }
        summary.put("durationMillis", recorded.durationNanos() / 1_000_000);
        try {
            ApprovalDesk approvals = desk;
            if (approvals != null) {
                approvals.store().recordOutcome(approval.id(), summary);
            }
        } catch (RuntimeException e) {
            LOG.warn("The outcome of approved call {} could not be stored with approval {}: {}", record.callId,
                approval.id(), String.valueOf(e));
        }
        publishOutcome(record, recorded);
    }

    private CallOutcome awaitTool(ToolEntry entry, Call call, CallRequest request, String callId, String traceId,
        Decision decision, long timeout, long start) {
        try {
            Object result = call.task.get(timeout, TimeUnit.MILLISECONDS);
            String problem = JsonValues.check(result, config.max_result_values());
            if (problem != null) {
                LOG.warn("Tool '{}' returned an unusable result: {}", entry.name, problem);
                return fail(Status.TOOL_FAILED, request, callId, traceId, start, "tool_failed",
                    "tool '" + entry.name + "' returned an unusable result: " + problem, Map.of(), decision);
            }
            return new CallOutcome(Status.OK, request.tool(), callId, traceId, result, null, null, call.usage(),
                decision, System.nanoTime() - start);
        } catch (TimeoutException e) {
            call.task.cancel(true);
            return fail(Status.TIMEOUT, request, callId, traceId, start, "tool_timeout",
                "tool '" + entry.name + "' did not finish within " + timeout + " ms",
                Map.of("timeoutMillis", timeout), decision);
        } catch (CancellationException e) {
            return call.withdrawn ? unavailable(request, callId, traceId, start, decision)
                : fail(Status.TOOL_FAILED, request, callId, traceId, start, "tool_cancelled",
                    "the call to tool '" + entry.name + "' was cancelled", Map.of(), decision);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreUnavailableException) {
                return fail(Status.UNAVAILABLE, request, callId, traceId, start, "store_unavailable",
                    "the call could not be recorded in the audit trail, so it did not run: "
                        + e.getCause().getMessage(), Map.of("toolRan", false), decision);
            }
            return failure(entry, call, e.getCause(), request, callId, traceId, start, decision);
        } catch (InterruptedException e) {
            call.task.cancel(true);
            Thread.currentThread().interrupt();
            return fail(Status.UNAVAILABLE, request, callId, traceId, start, "interrupted",
                "the server is stopping", Map.of(), decision);
        }
    }

    /**
     * @return true for a deny by one of the allowlist's own rules ({@code allow}, {@code bundles},
     *     {@code deny:<pattern>}): the tool is not visible to the profile. A failing or missing allowlist
     *     guardrail is a policy problem, answered as a deny (403), not as an unknown tool.
     */
    private static boolean hiddenByAllowlist(Decision decision) {
        String rule = decision.rule();
        return "allowlist".equals(decision.guardrail())
            && ("allow".equals(rule) || "bundles".equals(rule) || rule.startsWith("deny:"));
    }

    /** A call the chain did not let through: 404 when the allowlist hides the tool, 429 for a limit, else 403. */
    private static CallOutcome denied(CallRequest request, String callId, String traceId, long start,
        Decision decision) {
        Map<String, Object> details = new LinkedHashMap<>(decision.details());
        details.put("guardrail", decision.guardrail());
        details.put("rule", decision.rule());
        if (hiddenByAllowlist(decision)) {
            return fail(Status.NOT_FOUND, request, callId, traceId, start, "unknown_tool",
                "no tool named '" + request.tool() + "' is available: " + decision.reason(), details, decision);
        }
        if (GuardrailChain.STORE_UNAVAILABLE.equals(decision.rule())) {
            return fail(Status.UNAVAILABLE, request, callId, traceId, start, "store_unavailable", decision.reason(),
                details, decision);
        }
        if (decision.isLimit()) {
            return fail(Status.LIMITED, request, callId, traceId, start, "limit_exceeded", decision.reason(),
                details, decision);
        }
        return fail(Status.DENIED, request, callId, traceId, start, "policy_denied", decision.reason(), details,
            decision);
    }

    private CallOutcome failure(ToolEntry entry, Call call, Throwable cause, CallRequest request, String callId,
        String traceId, long start, Decision decision) {
        if (call.withdrawn) {
            return unavailable(request, callId, traceId, start, decision);
        }
        if (cause instanceof ToolException) {
            ToolException te = (ToolException) cause;
            String code = te.code() == null || te.code().isBlank() ? "tool_error" : te.code();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("toolErrorCode", code);
            return fail(Status.TOOL_ERROR, request, callId, traceId, start, code,
                te.getMessage() == null ? "tool '" + entry.name + "' reported an error" : te.getMessage(), details,
                decision);
        }
        LOG.warn("Tool '{}' from bundle {} {} failed on call {}: {}", entry.name, entry.bundle,
            entry.bundleVersion, callId, String.valueOf(cause));
        LOG.debug("Tool failure detail", cause);
        return fail(Status.TOOL_FAILED, request, callId, traceId, start, "tool_failed",
            "tool '" + entry.name + "' failed (" + cause.getClass().getSimpleName() + ")", Map.of(), decision);
    }

    private static CallOutcome unavailable(CallRequest request, String callId, String traceId, long start,
        Decision decision) {
        return fail(Status.UNAVAILABLE, request, callId, traceId, start, "tool_unavailable",
            "tool '" + request.tool() + "' was withdrawn (its bundle stopped or was removed) before the call ended",
            Map.of(), decision);
    }

    private static CallOutcome fail(Status status, CallRequest request, String callId, String traceId, long start,
        String code, String message, Map<String, Object> details) {
        return fail(status, request, callId, traceId, start, code, message, details, Decision.allow());
    }

    private static CallOutcome fail(Status status, CallRequest request, String callId, String traceId, long start,
        String code, String message, Map<String, Object> details, Decision decision) {
        return new CallOutcome(status, request.tool(), callId, traceId, null, code, message, details, decision,
            System.nanoTime() - start);
    }

    /** A call on its way through the pool: the task, the ToolCall the tool sees, and its bulkhead permit. */
    private final class Call implements ToolCall, ToolEntry.InFlightCall {
        private final ToolEntry entry;
        private final CallAudit record;
        private final CallRequest request;
        private final Map<String, Object> arguments;
        private final String callId;
        private final String traceId;
        private final GuardrailChain.Call guarded;
        /** The chain's result of an approved call, which does not run the chain again; null otherwise. */
        private final GuardrailChain.Result decided;
        private final java.util.concurrent.atomic.AtomicBoolean permitHeld =
            new java.util.concurrent.atomic.AtomicBoolean(true);
        /** Whoever sets it first owns the chain's result: the pool thread (done) or the caller (timed out). */
        private final java.util.concurrent.atomic.AtomicBoolean chainClaimed =
            new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.CountDownLatch chainDone = new java.util.concurrent.CountDownLatch(1);
        private volatile GuardrailChain.Result chain;
        private volatile boolean started;
        volatile String guardrailAt = "";
        private final long timeoutMillis;
        private volatile Instant deadline;
        volatile boolean withdrawn;
        final FutureTask<Object> task = new FutureTask<>(this::run) {
            @Override
            protected void done() {
                // cancelled before a pool thread picked it up: the tool never runs, so its permit is free now
                if (!started) {
                    releasePermit();
                }
            }
        };

        Call(ToolEntry entry, CallAudit record, Map<String, Object> arguments, GuardrailChain.Call guarded,
            long timeoutMillis, GuardrailChain.Result decided) {
            this.decided = decided;
            this.timeoutMillis = timeoutMillis;
            this.entry = entry;
            this.record = record;
            this.request = record.request;
            this.arguments = arguments;
            this.callId = record.callId;
            this.traceId = record.traceId;
            this.guarded = guarded;
            this.deadline = Instant.now().plusMillis(config.default_timeout_millis());
        }

        /**
         * Waits for the chain's result.
         *
         * @return the result, or null when the chain did not answer in time or the tool was withdrawn
         */
        GuardrailChain.Result awaitChain(long timeoutMillis) {
            try {
                if (!chainDone.await(timeoutMillis, TimeUnit.MILLISECONDS) && chainClaimed.compareAndSet(false, true)) {
                    task.cancel(true);
                    return null;
                }
                chainDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                task.cancel(true);
                return null;
            }
            return chain;
        }

        /**
         * On a pool thread: the guardrail chain, then, if it allows, the tool. The bulkhead permit is returned
         * only when the tool really stops.
         */
        private Object run() throws Exception {
            started = true;
            try {
                GuardrailChain.Result result;
                try {
                    result = decided != null ? decided
                        : GuardrailChain.run(policies, guarded, type -> guardrailAt = type);
                } catch (Throwable t) {
                    Decision deny = Decision.deny(GuardrailChain.POLICY, "chain_error",
                        "the guardrail chain failed (" + t.getClass().getSimpleName() + ")");
                    result = new GuardrailChain.Result(null, deny, List.of(deny), List.of());
                }
                if (!chainClaimed.compareAndSet(false, true)) {
                    // the caller gave up waiting: it answered with a deny, so the guardrails hear a deny
                    result.complete(guarded, Decision.deny(guardrailAt, "guardrail_timeout", "timed out"), null);
                    return null;
                }
                chain = result;
                record.chain = result;
                chainDone.countDown();
                if (result.decision.verdict() == Verdict.DENY
                    || (result.decision.verdict() == Verdict.REQUIRE_APPROVAL && decided == null)) {
                    return null;
                }
                if (!record.attemptRecorded) {
                    recordAttempt(record); // durable before the tool runs; a store failure means it does not run
                }
                deadline = Instant.now().plusMillis(timeoutMillis);
                EventPublisher publisher = events;
                if (publisher != null) {
                    publisher.publish(new Event(EventTypes.TOOL_CALL_START, Instant.now(), traceId,
                        request.profile(), request.session(), "", 0,
                        Map.of("tool", request.tool(), "callId", callId, "caller", request.caller())));
                }
                Tool tool = entry.service(context);
                if (tool == null) {
                    withdrawn = true;
                    throw new CancellationException("tool withdrawn");
                }
                return tool.invoke(this);
            } finally {
                releasePermit();
            }
        }

        /** Returns the bulkhead permit exactly once. */
        void releasePermit() {
            if (permitHeld.compareAndSet(true, false)) {
                entry.leaveBulkhead();
            }
        }

        /** Usage the tool reported (ToolCall#reportUsage), summed; guarded by this call. */
        private long inputTokens;
        private long outputTokens;
        private java.math.BigDecimal cost;
        private boolean usageReported;

        @Override
        public synchronized void reportUsage(long input, long output, java.math.BigDecimal spent) {
            usageReported = true;
            inputTokens += Math.max(0, input);
            outputTokens += Math.max(0, output);
            if (spent != null && spent.signum() >= 0) {
                cost = cost == null ? spent : cost.add(spent);
            }
        }

        /** @return the OK outcome's details: the usage the tool reported (tokens, cost), empty when none */
        synchronized Map<String, Object> usage() {
            if (!usageReported) {
                return Map.of();
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("tokens", inputTokens + outputTokens);
            details.put("inputTokens", inputTokens);
            details.put("outputTokens", outputTokens);
            if (cost != null) {
                details.put("cost", cost);
            }
            return details;
        }

        @Override
        public void withdraw() {
            withdrawn = true;
            task.cancel(true);
            if (chainClaimed.compareAndSet(false, true)) {
                chainDone.countDown(); // a caller still waiting for the chain sees the withdrawal now
            }
        }

        @Override
        public String tool() {
            return request.tool();
        }

        @Override
        public Map<String, Object> arguments() {
            return arguments;
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
        public String profile() {
            return request.profile();
        }

        @Override
        public String session() {
            return request.session();
        }

        @Override
        public String caller() {
            return request.caller();
        }

        @Override
        public Instant deadline() {
            return deadline;
        }

        @Override
        public boolean cancelled() {
            return task.isCancelled();
        }
    }

    private static final class ToolThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "cuga-tool-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /** Ids of calls and traces. */
    static final class Ids {
        private static final char[] HEX = "0123456789abcdef".toCharArray();

        private Ids() {
        }

        static String callId() {
            return hex(16);
        }

        static String traceId() {
            String id;
            do {
                id = hex(16);
            } while (id.equals("00000000000000000000000000000000"));
            return id;
        }

        /** @return whether {@code id} is a W3C span id: 16 lowercase hex digits, not all zero */
        static boolean validSpanId(String id) {
            return id != null && id.length() == 16 && !id.equals("0000000000000000") && lowerHex(id);
        }

        private static boolean lowerHex(String id) {
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                    return false;
                }
            }
            return true;
        }

        static boolean validTraceId(String id) {
            if (id == null || id.length() != 32 || id.equals("00000000000000000000000000000000")) {
                return false;
            }
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                    return false;
                }
            }
            return true;
        }

        private static String hex(int bytes) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            char[] out = new char[bytes * 2];
            for (int i = 0; i < bytes; i++) {
                int b = random.nextInt(256);
                out[2 * i] = HEX[b >>> 4];
                out[2 * i + 1] = HEX[b & 0xf];
            }
            return new String(out);
        }
    }
}
