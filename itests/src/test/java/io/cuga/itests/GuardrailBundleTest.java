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

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.tool.Tool;

/** Fail closed: a guardrail bundle the policy needs goes away, and the calls it guarded are denied until it returns. */
class GuardrailBundleTest extends InFrameworkTest {

    private ReadinessCheck.Readiness policyReadiness() throws Exception {
        for (var reference : context.getServiceReferences(ReadinessCheck.class, null)) {
            ReadinessCheck check = context.getService(reference);
            try {
                if (check != null && "policy".equals(check.name())) {
                    return check.check();
                }
            } finally {
                context.ungetService(reference);
            }
        }
        return null;
    }

    @Test
    void callsAreDeniedWhileANeededGuardrailBundleIsGoneAndServeAgainWhenItReturns() throws Exception {
        String name = unique("guarded");
        allow(cm, List.of(name), List.of(bsn));
        context.registerService(Tool.class, call -> Map.of("ok", true), toolProps(name));
        await("the tool to answer", () -> call(dispatcher.getService(), name, Map.of()), o -> o.ok());

        Bundle allowlist = Support.bundle(context, "cuga.guardrail.allowlist");
        assertThat(allowlist).as("the allowlist guardrail bundle in the run").isNotNull();
        allowlist.stop();
        try {
            CallOutcome denied = await("the call to be denied", () -> call(dispatcher.getService(), name, Map.of()),
                o -> o.status() == Status.DENIED);
            assertThat(denied.decision().guardrail()).isEqualTo("allowlist");
            assertThat(denied.message()).contains("allowlist").contains("not installed");
            assertThat(denied.errorCode()).isEqualTo("policy_denied");
            ReadinessCheck.Readiness readiness = await("the policy check to be not ready", () -> {
                try {
                    return policyReadiness();
                } catch (Exception e) {
                    return null;
                }
            }, r -> r != null && !r.ready());
            assertThat(readiness.detail()).contains("allowlist");
        } finally {
            allowlist.start();
        }
        CallOutcome again = await("the call to be served again", () -> call(dispatcher.getService(), name, Map.of()),
            o -> o.status() == Status.OK);
        assertStatus(again, Status.OK);
        assertThat(policyReadiness().ready()).isTrue();
    }
}
