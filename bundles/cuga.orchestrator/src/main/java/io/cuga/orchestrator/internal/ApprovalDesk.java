package io.cuga.orchestrator.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.dispatch.Approvals;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.store.Approval;
import io.cuga.api.store.ApprovalStore;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.StoreUnavailableException;

/**
 * Where calls wait for a human. The dispatcher hands over a call the policy sent for approval; this desk polls
 * the store until the approval is decided (here or on another replica) or expires, then tells the call. It also
 * serves the approvers ({@link Approvals}): a decision is a compare-and-set in the store, audited with who made
 * it, when and why, and published as an event. Expiry is swept here too, for every replica's approvals, so an
 * approval whose waiting server died still ends.
 */
@Component(service = {Approvals.class, ApprovalDesk.class}, configurationPid = ApprovalDesk.PID)
@Designate(ocd = ApprovalDesk.Config.class)
public class ApprovalDesk implements Approvals {

    /** The configuration PID. */
    public static final String PID = "cuga.approvals";

    private static final Logger LOG = LoggerFactory.getLogger(ApprovalDesk.class);
    private static final int MAX_REASON = 2000;

    /** The guardrail named in the decisions of calls an approval ended (rejected, expired). */
    static final String GUARDRAIL = "approval";

    /** Configuration. */
    @ObjectClassDefinition(name = "cuga approvals", description = "How calls wait for a human's approval.")
    public @interface Config {
        /** @return how often a waiting call asks the store whether it was decided */
        @AttributeDefinition(name = "Poll interval (ms)", description = "How often waiting calls look for a "
            + "decision in the store; a decision made on another replica is seen within this time.", min = "20")
        long poll_millis() default 250;

        /** @return how many approved calls may start their tool at once */
        @AttributeDefinition(name = "Approved-call threads", description = "Threads that run approved calls "
            + "(each then runs on the dispatcher's pool like any call).", min = "1")
        int runner_threads() default 4;
    }

    /** A call waiting for its approval. */
    interface Waiter {
        /** @return the approval it waits for */
        Approval approval();

        /** The approval was granted: run the call (on a runner thread). */
        void approved(Approval approval);

        /** Rejected or expired, or the wait could not go on: deny the call (on a runner thread). */
        void denied(Approval approval, String code, String reason);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ApprovalStore store;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile AuditTrail audit;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher events;

    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    /** Approvals being decided here right now: their calls wait until the decision is audited too. */
    private final java.util.Set<String> deciding = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller;
    private final ExecutorService runner;

    /** @param config the configuration */
    @Activate
    public ApprovalDesk(Config config) {
        ScheduledThreadPoolExecutor p = new ScheduledThreadPoolExecutor(1, named("cuga-approvals"));
        p.setRemoveOnCancelPolicy(true);
        this.poller = p;
        int threads = Math.max(1, config.runner_threads());
        this.runner = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            named("cuga-approved"));
        ((ThreadPoolExecutor) runner).allowCoreThreadTimeOut(true);
        long poll = Math.max(20, config.poll_millis());
        poller.scheduleWithFixedDelay(this::tick, poll, poll, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        poller.shutdownNow();
        runner.shutdownNow();
        if (!waiting.isEmpty()) {
            LOG.warn("{} call(s) waiting for approval end with this server: their approvals expire unanswered",
                waiting.size());
        }
    }

    /** @return the store, or throws: without it nothing can wait or be decided */
    ApprovalStore store() {
        ApprovalStore s = store;
        if (s == null) {
            throw new StoreUnavailableException("no approval store is running (is a store bundle installed and "
                + "configured? see GET /ready)");
        }
        return s;
    }

    /** Starts watching a call's approval (already stored and audited as requested). */
    void await(Waiter waiter) {
        waiting.put(waiter.approval().id(), waiter);
    }

    /** @return how many calls wait here */
    int waiting() {
        return waiting.size();
    }

    /** One round: expire what is due (any replica's), then look at every call waiting here. */
    private void tick() {
        ApprovalStore s = store;
        if (s == null) {
            return;
        }
        Instant now = Instant.now();
        try {
            for (Approval expired : s.expire(now)) {
                recordDecision(expired, "expired");
                publish(EventTypes.APPROVAL_TIMEOUT, expired);
            }
        } catch (StoreUnavailableException e) {
            LOG.debug("Approval expiry sweep skipped: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Approval expiry sweep failed: {}", String.valueOf(e));
        }
        for (Waiter waiter : waiting.values()) {
            String id = waiter.approval().id();
            if (deciding.contains(id)) {
                continue;
            }
            try {
                Optional<Approval> current = s.get(id);
                if (current.isEmpty()) {
                    finish(id, w -> w.denied(waiter.approval(), "approval_lost",
                        "the approval " + id + " is no longer in the store: denied"));
                    continue;
                }
                Approval a = current.get();
                switch (a.status()) {
                    case APPROVED -> finish(id, w -> w.approved(a));
                    case REJECTED -> finish(id, w -> w.denied(a, "approval_rejected", "the call was rejected by "
                        + a.decidedBy() + (a.decisionReason().isEmpty() ? "" : ": " + a.decisionReason())));
                    case EXPIRED -> finish(id, w -> w.denied(a, "approval_expired", "nobody approved the call "
                        + "before " + a.expiresAt() + ": denied"));
                    default -> {
                        // still pending
                    }
                }
            } catch (StoreUnavailableException e) {
                // the store is away: keep waiting; past the expiry (and a grace of one minute) give up, denied
                if (now.isAfter(waiter.approval().expiresAt().plusSeconds(60))) {
                    finish(id, w -> w.denied(waiter.approval(), "store_unavailable", "the approval could not be "
                        + "read before it expired (" + e.getMessage() + "): denied"));
                }
            } catch (RuntimeException e) {
                LOG.warn("Checking approval {} failed: {}", id, String.valueOf(e));
            }
        }
    }

    private void finish(String id, java.util.function.Consumer<Waiter> then) {
        Waiter waiter = waiting.remove(id);
        if (waiter == null) {
            return;
        }
        try {
            runner.execute(() -> {
                try {
                    then.accept(waiter);
                } catch (RuntimeException e) {
                    LOG.warn("The call waiting on approval {} failed to finish: {}", id, String.valueOf(e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.warn("The call waiting on approval {} cannot finish: the server is stopping", id);
        }
    }

    // ------------------------------------------------------------------------------------------ approvers

    @Override
    public List<Approval> list(Approval.Status status, int limit) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be between 1 and 1000, not " + limit);
        }
        return store().list(status, limit);
    }

    @Override
    public Optional<Approval> get(String id) {
        return store().get(id);
    }

    @Override
    public Approval decide(String id, boolean approve, String approver, String reason) throws ApprovalException {
        if (reason == null || reason.isBlank()) {
            throw new ApprovalException(ApprovalException.Problem.INVALID, "a reason is required");
        }
        if (reason.length() > MAX_REASON) {
            throw new ApprovalException(ApprovalException.Problem.INVALID,
                "the reason may have at most " + MAX_REASON + " characters");
        }
        ApprovalStore s = store();
        Approval before = s.get(id).orElseThrow(() -> new ApprovalException(ApprovalException.Problem.NOT_FOUND,
            "no approval " + id));
        if (before.requester().equals(approver)) {
            throw new ApprovalException(ApprovalException.Problem.SELF_APPROVAL,
                "the requester of a call cannot approve or reject it; another approver must");
        }
        if (before.status().decided()) {
            throw notPending(before);
        }
        Approval.Status wanted = approve ? Approval.Status.APPROVED : Approval.Status.REJECTED;
        Approval after;
        deciding.add(id);
        try {
            after = s.decide(id, wanted, approver, reason.strip(), Instant.now()).orElseThrow(
                () -> new ApprovalException(ApprovalException.Problem.NOT_FOUND, "no approval " + id));
            if (after.status() != wanted || !after.decidedBy().equals(approver)) {
                throw notPending(after);
            }
            recordDecision(after, approve ? "approved" : "rejected");
        } finally {
            deciding.remove(id);
        }
        publish(EventTypes.APPROVAL_RECEIVED, after);
        Waiter local = waiting.get(id);
        if (local != null) {
            // decided here: release the local call now instead of at the next poll
            poller.execute(this::tick);
        }
        return after;
    }

    private static ApprovalException notPending(Approval a) {
        return new ApprovalException(ApprovalException.Problem.NOT_PENDING, "approval " + a.id() + " is "
            + a.status().name().toLowerCase(java.util.Locale.ROOT) + (a.decidedBy().isEmpty() ? ""
                : " (by " + a.decidedBy() + ")") + ", no longer pending");
    }

    /** Audits an approval's request or decision; the decision itself is already durable in the store. */
    void recordDecision(Approval a, String what) {
        AuditTrail trail = audit;
        if (trail == null) {
            throw new StoreUnavailableException("no audit trail is running");
        }
        trail.append(List.of(record(a, what)));
    }

    /** @return the audit record of an approval's request or decision */
    static AuditRecord record(Approval a, String what) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event", what);
        data.put("approvalId", a.id());
        data.put("status", a.status().name());
        data.put("expiresAt", a.expiresAt().toString());
        if (!a.decidedBy().isEmpty()) {
            data.put("decidedBy", a.decidedBy());
        }
        String reason = switch (what) {
            case "requested" -> a.requiredBecause();
            case "expired" -> "nobody decided before " + a.expiresAt();
            default -> a.decisionReason();
        };
        Instant time = a.decidedAt() != null && !what.equals("requested") ? a.decidedAt() : Instant.now();
        return new AuditRecord(0, DispatcherImpl.Ids.callId(), time, AuditRecord.APPROVAL, a.traceId(), a.callId(),
            a.profile(), a.session(), what.equals("requested") ? a.requester() : a.decidedBy(), a.tool(), "",
            List.of(), what.equals("approved") ? "ALLOW" : what.equals("requested") ? "REQUIRE_APPROVAL" : "DENY",
            reason, "", 0, "", data, "", "");
    }

    void publish(String type, Approval a) {
        EventPublisher publisher = events;
        if (publisher == null) {
            return;
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("approvalId", a.id());
        attributes.put("tool", a.tool());
        attributes.put("callId", a.callId());
        attributes.put("risk", a.risk());
        attributes.put("requester", a.requester());
        // when it was requested, so whichever replica publishes the decision can tell how long it waited
        attributes.put("requestedAt", a.createdAt().toString());
        if (!a.decidedBy().isEmpty()) {
            attributes.put("decidedBy", a.decidedBy());
        }
        publisher.publish(new Event(type, Instant.now(), a.traceId(), a.profile(), a.session(),
            a.status().name().toLowerCase(java.util.Locale.ROOT), 0, attributes));
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** @return the ids of the calls waiting here (for tests and diagnostics) */
    List<String> waitingIds() {
        return new ArrayList<>(waiting.keySet());
    }
}
