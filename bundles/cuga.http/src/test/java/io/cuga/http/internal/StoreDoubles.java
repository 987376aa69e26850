package io.cuga.http.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.cuga.api.dispatch.Approvals;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditPage;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.ChainVerification;
import io.cuga.api.store.StoreUnavailableException;
import io.cuga.guardrail.budget.BudgetUsage;
import io.cuga.guardrail.budget.BudgetView;

/**
 * Hand-written in-memory implementations of the store's and the orchestrator's services for the servlet tests:
 * they keep what they are given and answer as the contracts say, and a test can make them fail as an
 * unreachable database does. The real stores and the orchestrator are tested in their own bundles.
 */
final class StoreDoubles {

    private StoreDoubles() {
    }

    /** An audit trail in a list: filters, newest first, paging by position. */
    static final class MemoryAuditTrail implements AuditTrail {
        final List<AuditRecord> records = new CopyOnWriteArrayList<>();
        final List<AuditQuery> queries = new CopyOnWriteArrayList<>();
        volatile ChainVerification verification;
        volatile StoreUnavailableException failure;

        @Override
        public List<AuditRecord> append(List<AuditRecord> appended) {
            fail();
            List<AuditRecord> out = new ArrayList<>();
            for (AuditRecord record : appended) {
                long seq = records.size() + 1L;
                String prev = records.isEmpty() ? "sha256:" + "0".repeat(64) : records.get(records.size() - 1).hash();
                AuditRecord stored = record.appended(seq, prev, "sha256:" + String.format("%064x", seq));
                records.add(stored);
                out.add(stored);
            }
            return out;
        }

        @Override
        public AuditPage query(AuditQuery query) {
            fail();
            queries.add(query);
            List<AuditRecord> matching = new ArrayList<>();
            List<AuditRecord> newestFirst = new ArrayList<>(records);
            newestFirst.sort(Comparator.comparingLong(AuditRecord::seq).reversed());
            for (AuditRecord r : newestFirst) {
                if ((query.beforeSeq() == 0 || r.seq() < query.beforeSeq())
                    && (query.traceId() == null || query.traceId().equals(r.traceId()))
                    && (query.callId() == null || query.callId().equals(r.callId()))
                    && (query.tool() == null || query.tool().equals(r.tool()))
                    && (query.decision() == null || query.decision().equals(r.decision()))
                    && (query.kind() == null || query.kind().equals(r.kind()))
                    && (query.profile() == null || query.profile().equals(r.profile()))
                    && (query.since() == null || !r.time().isBefore(query.since()))) {
                    matching.add(r);
                }
            }
            if (matching.size() > query.limit()) {
                List<AuditRecord> page = matching.subList(0, query.limit());
                return new AuditPage(page, page.get(page.size() - 1).seq());
            }
            return new AuditPage(matching, 0);
        }

        @Override
        public ChainVerification verify() {
            fail();
            return verification != null ? verification : new ChainVerification(true, records.size(), 0, "");
        }

        @Override
        public long export(long afterSeq, int limit, Consumer<AuditRecord> sink) {
            throw new UnsupportedOperationException("not used by the API");
        }

        private void fail() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** A record of a call, as the dispatcher would write it. */
    static AuditRecord record(Instant time, String kind, String traceId, String callId, String profile, String tool,
        String decision) {
        return new AuditRecord(0, "rec-" + callId + "-" + kind, time, kind, traceId, callId, profile, "s1", "agent",
            tool, "sha256:" + "ab".repeat(32), List.of(Map.of("guardrail", "allowlist", "verdict", decision,
                "rule", "tools.allow[0]", "reason", "listed")), decision, "listed",
            AuditRecord.OUTCOME.equals(kind) ? "OK" : "", AuditRecord.OUTCOME.equals(kind) ? 1234 : 0, "",
            Map.of("policyVersion", 3), null, null);
    }

    /** Approvals in a map, deciding as the orchestrator does: once, never by the requester, with a reason. */
    static final class MemoryApprovals implements Approvals {
        final Map<String, Approval> approvals = new LinkedHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile StoreUnavailableException failure;
        volatile ApprovalException.Problem forced;

        synchronized void add(Approval approval) {
            approvals.put(approval.id(), approval);
        }

        @Override
        public synchronized List<Approval> list(Approval.Status status, int limit) {
            fail();
            calls.add("list " + status + " " + limit);
            List<Approval> out = new ArrayList<>();
            List<Approval> all = new ArrayList<>(approvals.values());
            all.sort(Comparator.comparing(Approval::createdAt).reversed());
            for (Approval a : all) {
                if ((status == null || a.status() == status) && out.size() < limit) {
                    out.add(a);
                }
            }
            return out;
        }

        @Override
        public synchronized Optional<Approval> get(String id) {
            fail();
            return Optional.ofNullable(approvals.get(id));
        }

        @Override
        public synchronized Approval decide(String id, boolean approve, String approver, String reason)
            throws ApprovalException {
            fail();
            calls.add((approve ? "approve " : "reject ") + id + " by " + approver + ": " + reason);
            if (forced != null) {
                throw new ApprovalException(forced, "forced " + forced);
            }
            Approval a = approvals.get(id);
            if (a == null) {
                throw new ApprovalException(ApprovalException.Problem.NOT_FOUND, "no approval " + id);
            }
            if (reason == null || reason.isBlank()) {
                throw new ApprovalException(ApprovalException.Problem.INVALID, "a reason is required");
            }
            if (a.status() != Approval.Status.PENDING) {
                throw new ApprovalException(ApprovalException.Problem.NOT_PENDING,
                    "approval " + id + " is " + a.status().name().toLowerCase());
            }
            if (a.requester().equals(approver)) {
                throw new ApprovalException(ApprovalException.Problem.SELF_APPROVAL,
                    "the requester of a call cannot approve it");
            }
            Approval decided = new Approval(a.id(), approve ? Approval.Status.APPROVED : Approval.Status.REJECTED,
                a.createdAt(), a.expiresAt(), a.callId(), a.traceId(), a.profile(), a.session(), a.requester(),
                a.tool(), a.risk(), a.arguments(), a.requiredBecause(), approver,
                Instant.parse("2026-11-27T12:05:00Z"), reason, Map.of());
            approvals.put(id, decided);
            return decided;
        }

        private void fail() {
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** A pending approval requested by {@code requester}. */
    static Approval pending(String id, String requester, Instant createdAt) {
        return new Approval(id, Approval.Status.PENDING, createdAt, createdAt.plusSeconds(900), "call-" + id,
            "4bf92f3577b34da6a3ce929d0e0e4736", "finance", "s1", requester, "wire_money", "FINANCIAL",
            Map.of("amount", 5000, "iban", "[REDACTED]"), "financial tools need a second person", null, null, null,
            null);
    }

    /** A budget view with fixed usage per profile, recording what it was asked. */
    static final class FixedBudgetView implements BudgetView {
        final Map<String, List<BudgetUsage>> byProfile = new LinkedHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        public List<BudgetUsage> usage(String profile, String session) {
            asked.add(profile + "/" + session);
            return byProfile.getOrDefault(profile, List.of());
        }
    }
}
