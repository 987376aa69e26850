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

    @Test
    void callsInFlightFinishOnTheirSnapshotWhileAGuardrailBundleIsUninstalledAndInstalledAgain() throws Exception {
        String name = unique("inflight");
        allow(cm, List.of(name), List.of(bsn));
        Support.GatedTool gated = new Support.GatedTool();
        context.registerService(Tool.class, gated, toolProps(name));
        Support.awaitState(registry.getService(), name, io.cuga.api.dispatch.ToolInfo.State.VISIBLE);

        List<java.util.concurrent.Future<CallOutcome>> running = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            running.add(callers.submit(() -> call(dispatcher.getService(), name, Map.of())));
        }
        gated.awaitEntered(3); // all three passed the chain and are inside the tool

        Bundle allowlist = Support.bundle(context, "cuga.guardrail.allowlist");
        String location = allowlist.getLocation();
        byte[] jar;
        try (java.io.InputStream in = new java.net.URL(location.startsWith("reference:")
            ? location.substring("reference:".length()) : location).openStream()) {
            jar = in.readAllBytes();
        }
        allowlist.uninstall();
        try {
            CallOutcome denied = await("new calls to be denied", () -> call(dispatcher.getService(), name, Map.of()),
                o -> o.status() == Status.DENIED);
            assertThat(denied.decision().rule()).isEqualTo("guardrail_missing");

            gated.gate.countDown();
            for (java.util.concurrent.Future<CallOutcome> f : running) {
                assertStatus(f.get(30, java.util.concurrent.TimeUnit.SECONDS), Status.OK);
            }
        } finally {
            if (Support.bundle(context, "cuga.guardrail.allowlist") == null) {
                // installed again as an operator would: the same jar, from a new location; through the system
                // bundle, since bundles the test's own context installs are uninstalled when the test ends
                Support.start(context.getBundle(0).getBundleContext().installBundle("itest:reinstalled:" + location,
                    new java.io.ByteArrayInputStream(jar)));
            }
        }
        CallOutcome again = await("calls to be served again by the reinstalled bundle",
            () -> call(dispatcher.getService(), name, Map.of()), o -> o.status() == Status.OK);
        assertStatus(again, Status.OK);
    }
}
