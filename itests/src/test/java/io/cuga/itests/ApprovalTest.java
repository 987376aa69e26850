package io.cuga.itests;

import static io.cuga.itests.AuditTest.records;
import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.assertStatus;
import static io.cuga.itests.Support.await;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.cuga.api.dispatch.Approvals;
import io.cuga.api.dispatch.Approvals.ApprovalException;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;
import io.cuga.api.event.EventTypes;
import io.cuga.api.store.Approval;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.tool.Tool;

/**
 * Profile {@code approvals-decided} sends every call to a human (approval timeout 60 s, 3 calls per session): the
 * call is answered "approval required", waits, runs when approved, is denied when rejected, and the audit trail
 * tells the whole story. Profile {@code approvals} is the same with a 2 s timeout, for the call that is denied
 * because nobody answered: a test that decides must do so before the approval expires (a decision after expiry is
 * refused, and expiry gives the budget back), which a slow, loaded machine might not manage in 2 s.
 */
class ApprovalTest extends InFrameworkTest {

    /** The profile of calls a test approves or rejects: their approvals wait 60 s. */
    static final String DECIDED = "approvals-decided";

    /** The profile of calls nobody answers: their approvals expire after 2 s. */
    static final String EXPIRING = "approvals";

    @InjectService(timeout = 10_000)
    ServiceAware<Approvals> approvals;

    @InjectService(timeout = 10_000)
    ServiceAware<AuditTrail> audit;

    private final AtomicInteger ran = new AtomicInteger();

    private String tool() throws Exception {
        String name = unique("approve");
        allow(cm, List.of(name), List.of(bsn));
        context.registerService(Tool.class, call -> Map.of("ran", ran.incrementAndGet()), toolProps(name, Tool.SCHEMA, AuditTest.OPEN));
        Support.awaitState(registry.getService(), name, io.cuga.api.dispatch.ToolInfo.State.VISIBLE);
        return name;
    }

    private static CallRequest request(String tool, Map<String, Object> arguments, String caller, String session,
        String profile) {
        return new CallRequest(tool, arguments, caller, profile, session, "");
    }

    private CallOutcome ask(String tool, String session, String profile) {
        return assertStatus(dispatcher.getService().dispatch(request(tool, Map.of("password", "hunter2", "n", 1),
            "agent-7", session, profile)), Status.APPROVAL_REQUIRED);
    }

    private Approval awaitApproval(String id, Approval.Status status) {
        return await("approval " + id + " to be " + status + " with an outcome",
            () -> approvals.getService().get(id).orElseThrow(),
            a -> a.status() == status && !a.outcome().isEmpty());
    }

    @Test
    void anApprovedCallRunsAndTheTrailTellsWhoApprovedIt() throws Exception {
        String tool = tool();
        CallOutcome asked = ask(tool, unique("s"), DECIDED);
        String id = (String) asked.details().get(CallOutcome.APPROVAL_ID);
        assertThat(id).isNotBlank();
        assertThat(ran.get()).as("nothing runs before a human decides").isZero();

        Approval pending = approvals.getService().list(Approval.Status.PENDING, 1000).stream()
            .filter(a -> a.id().equals(id)).findFirst().orElseThrow();
        assertThat(pending.arguments()).containsEntry("password", "[REDACTED]").containsEntry("n", 1);
        assertThat(pending.requester()).isEqualTo("agent-7");
        assertThat(pending.tool()).isEqualTo(tool);

        assertThatThrownBy(() -> approvals.getService().decide(id, true, "agent-7", "mine"))
            .isInstanceOf(ApprovalException.class)
            .extracting(e -> ((ApprovalException) e).problem()).isEqualTo(ApprovalException.Problem.SELF_APPROVAL);

        Approval decided = approvals.getService().decide(id, true, "alice", "looks right");
        assertThat(decided.status()).isEqualTo(Approval.Status.APPROVED);
        assertThat(decided.decidedBy()).isEqualTo("alice");

        Approval done = awaitApproval(id, Approval.Status.APPROVED);
        assertThat(done.outcome()).containsEntry("status", "OK");
        assertThat(ran.get()).isEqualTo(1);

        List<AuditRecord> trail = new ArrayList<>(records(audit.getService(), asked.callId()));
        java.util.Collections.reverse(trail);
        assertThat(trail).extracting(r -> r.kind() + ":" + r.data().getOrDefault("event", r.outcome()))
            .containsExactly(AuditRecord.ATTEMPT + ":", AuditRecord.APPROVAL + ":requested",
                AuditRecord.APPROVAL + ":approved", AuditRecord.OUTCOME + ":OK");
        assertThat(trail.get(2).caller()).isEqualTo("alice");
        assertThat(trail.get(2).reason()).isEqualTo("looks right");
        assertThat(audit.getService().verify().intact()).isTrue();

        assertThatThrownBy(() -> approvals.getService().decide(id, false, "bob", "too late"))
            .isInstanceOf(ApprovalException.class)
            .extracting(e -> ((ApprovalException) e).problem()).isEqualTo(ApprovalException.Problem.NOT_PENDING);
    }

    @Test
    void aRejectedCallNeverRunsAndAnUnansweredOneExpires() throws Exception {
        String tool = tool();
        String rejectedId = (String) ask(tool, unique("s"), DECIDED).details().get(CallOutcome.APPROVAL_ID);
        CallOutcome expiring = ask(tool, unique("s"), EXPIRING);
        String expiringId = (String) expiring.details().get(CallOutcome.APPROVAL_ID);

        approvals.getService().decide(rejectedId, false, "alice", "not today");
        Approval rejected = awaitApproval(rejectedId, Approval.Status.REJECTED);
        assertThat(rejected.outcome()).containsEntry("status", "DENIED");

        Approval expired = awaitApproval(expiringId, Approval.Status.EXPIRED);
        assertThat(expired.outcome()).containsEntry("status", "DENIED");
        assertThat(records(audit.getService(), expiring.callId())).extracting(AuditRecord::errorType)
            .contains("approval_expired");
        assertThat(ran.get()).as("neither call ran").isZero();
    }

    @Test
    void callsWaitingForApprovalHoldTheirBudgetAndARejectionGivesItBack() throws Exception {
        java.util.Queue<Event> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Hashtable<String, Object> sinkProps = new java.util.Hashtable<>();
        sinkProps.put(EventSink.NAME, "approval-test");
        var sink = context.registerService(EventSink.class, seen::add, sinkProps);
        String tool = tool();
        String session = unique("s");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add((String) ask(tool, session, DECIDED).details().get(CallOutcome.APPROVAL_ID));
        }
        CallOutcome fourth = dispatcher.getService().dispatch(request(tool, Map.of(), "agent-7", session, DECIDED));
        assertThat(fourth.status()).as("%s", fourth).isEqualTo(Status.LIMITED);
        assertThat(fourth.decision().guardrail()).isEqualTo("budget");

        approvals.getService().decide(ids.get(0), false, "alice", "no");
        awaitApproval(ids.get(0), Approval.Status.REJECTED);
        // the rejected call's reservation was given back
        String fifth = (String) ask(tool, session, DECIDED).details().get(CallOutcome.APPROVAL_ID);

        await("the events of the story", () -> List.copyOf(seen), events -> events.stream().anyMatch(
            e -> e.type().equals(EventTypes.BUDGET_EXCEEDED) && fourth.callId().equals(e.attributes().get("callId")))
            && events.stream().filter(e -> e.type().equals(EventTypes.APPROVAL_REQUESTED)
                && session.equals(e.session())).count() == 4
            && events.stream().anyMatch(e -> e.type().equals(EventTypes.APPROVAL_RECEIVED)
                && ids.get(0).equals(e.attributes().get("approvalId"))));
        sink.unregister();
        // leave nothing waiting: with a 60 s timeout these would outlive the test
        for (String id : List.of(ids.get(1), ids.get(2), fifth)) {
            approvals.getService().decide(id, false, "alice", "done");
        }
    }
}
