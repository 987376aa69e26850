package io.cuga.itests;

import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.assertStatus;
import static io.cuga.itests.Support.await;
import static io.cuga.itests.Support.call;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.store.AuditQuery;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.tool.Tool;

/** Every call leaves an attempt and an outcome in the real SQLite audit trail; without the store nothing runs. */
class AuditTest extends InFrameworkTest {

    /** An input schema that takes any arguments. */
    static final String OPEN = "{\"type\":\"object\",\"additionalProperties\":true}";

    @InjectService(timeout = 10_000)
    ServiceAware<AuditTrail> audit;

    static List<AuditRecord> records(AuditTrail trail, String callId) {
        return trail.query(new AuditQuery(null, callId, null, null, null, null, null, 0, 100)).records();
    }

    @Test
    void aCallLeavesItsAttemptAndOutcomeWithTheRedactedArgumentsDigestOnly() throws Exception {
        String name = unique("audited");
        allow(cm, List.of(name), List.of(bsn));
        context.registerService(Tool.class, call -> Map.of("ok", true), toolProps(name, Tool.SCHEMA, OPEN));
        CallOutcome outcome = await("the tool to answer",
            () -> call(dispatcher.getService(), name, Map.of("secret", "hunter2")), CallOutcome::ok);

        List<AuditRecord> records = records(audit.getService(), outcome.callId());
        assertThat(records).extracting(AuditRecord::kind).containsExactly(AuditRecord.OUTCOME, AuditRecord.ATTEMPT);
        AuditRecord attempt = records.get(1);
        assertThat(attempt.tool()).isEqualTo(name);
        assertThat(attempt.caller()).isEqualTo("itest");
        assertThat(attempt.traceId()).isEqualTo(outcome.traceId());
        assertThat(attempt.decision()).isEqualTo("ALLOW");
        assertThat(attempt.decisions()).extracting(d -> d.get("guardrail")).containsExactly("allowlist");
        assertThat(attempt.argumentsDigest()).startsWith("sha256:").hasSize(71);
        assertThat(attempt.toString()).doesNotContain("hunter2");
        AuditRecord end = records.get(0);
        assertThat(end.outcome()).isEqualTo("OK");
        assertThat(end.seq()).isGreaterThan(attempt.seq());
        assertThat(audit.getService().verify().intact()).isTrue();
    }

    @Test
    void aDeniedCallIsAuditedWithTheDecidingGuardrail() throws Exception {
        String name = unique("hidden");
        // not allowlisted: the registry does not show it, the call is refused before any guardrail, and audited
        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);
        List<AuditRecord> records = records(audit.getService(), outcome.callId());
        assertThat(records).extracting(AuditRecord::kind).containsExactly(AuditRecord.OUTCOME, AuditRecord.ATTEMPT);
        assertThat(records.get(0).outcome()).isEqualTo("NOT_FOUND");
        assertThat(records.get(0).errorType()).isEqualTo("unknown_tool");
        assertThat(records.get(1).decision()).isEqualTo("DENY");
    }

    @Test
    void withoutTheStoreCallsAreRefusedUnrunAndServeAgainWhenItReturns() throws Exception {
        String name = unique("needs-store");
        allow(cm, List.of(name), List.of(bsn));
        AtomicInteger ran = new AtomicInteger();
        context.registerService(Tool.class, call -> Map.of("n", ran.incrementAndGet()), toolProps(name));
        await("the tool to answer", () -> call(dispatcher.getService(), name, Map.of()), CallOutcome::ok);

        Bundle store = Support.bundle(context, "cuga.store.sqlite");
        assertThat(store).as("the SQLite store bundle in the run").isNotNull();
        store.stop();
        try {
            int before = ran.get();
            CallOutcome refused = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.UNAVAILABLE);
            assertThat(refused.errorCode()).isEqualTo("store_unavailable");
            assertThat(refused.message()).contains("audit trail");
            assertThat(ran.get()).as("the tool did not run unaudited").isEqualTo(before);
        } finally {
            Support.start(store);
        }
        CallOutcome back = await("calls to be served again", () -> call(dispatcher.getService(), name, Map.of()),
            CallOutcome::ok);
        assertThat(records(audit.getService(), back.callId())).hasSize(2);
    }

    @Test
    void theStoreReportsItsReadiness() throws Exception {
        ReadinessCheck.Readiness readiness = await("the store to be ready", () -> {
            try {
                for (var reference : context.getServiceReferences(ReadinessCheck.class, null)) {
                    ReadinessCheck check = context.getService(reference);
                    try {
                        if (check != null && "store".equals(check.name())) {
                            return check.check();
                        }
                    } finally {
                        context.ungetService(reference);
                    }
                }
            } catch (Exception e) {
                return null;
            }
            return null;
        }, r -> r != null && r.ready());
        assertThat(readiness.detail()).containsIgnoringCase("sqlite");
    }
}
