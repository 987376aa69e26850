package io.cuga.itests;

import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.await;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.tool.Tool;

/**
 * A policy reloaded again and again while calls run: every call decides on one version from its first guardrail
 * to its last. Two probe guardrails, one early and one late in the chain, each say which version's document
 * they were compiled from; the audit trail shows, per call, that both said the same.
 */
class ReloadUnderLoadTest extends InFrameworkTest {

    @InjectService(timeout = 10_000)
    ServiceAware<PolicyAdmin> policies;

    @InjectService(timeout = 10_000)
    ServiceAware<AuditTrail> audit;

    /** A guardrail that warns with the tag of the document it was compiled from. */
    private static Guardrail probe(String type) {
        return new Guardrail() {
            @Override
            public Rules compile(Map<String, Object> section, String profile) {
                String tag = String.valueOf(section.get("tag"));
                return new Rules() {
                    @Override
                    public Decision check(io.cuga.api.guardrail.GuardedCall call) {
                        return new Decision(Verdict.WARN, type, "tag", tag);
                    }

                    @Override
                    public void checkTightens(Rules parent) {
                    }
                };
            }
        };
    }

    private ServiceRegistration<Guardrail> register(String type, int order) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Guardrail.TYPE, type);
        props.put(Guardrail.ORDER, order);
        return context.registerService(Guardrail.class, probe(type), props);
    }

    private static byte[] document(String tag) {
        return ("profile: reload\nguardrails: [probe-early, allowlist, probe-late]\n"
            + "probe-early: {tag: " + tag + "}\nprobe-late: {tag: " + tag + "}\n"
            + "allowlist:\n  allow: [\"*\"]\n  bundles: [\"*\"]\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void noCallSeesTwoVersionsWhileThePolicyIsReloadedUnderLoad() throws Exception {
        ServiceRegistration<Guardrail> early = register("probe-early", 50);
        ServiceRegistration<Guardrail> late = register("probe-late", 900);
        try {
            String name = unique("reloaded");
            allow(cm, List.of(name), List.of(bsn));
            context.registerService(Tool.class, call -> Map.of("ok", true), toolProps(name));
            policies.getService().put("reload", document("v0"), "itest");
            await("the tool to answer under profile reload", () -> dispatcher.getService()
                .dispatch(new CallRequest(name, Map.of(), "itest", "reload", "", "")), CallOutcome::ok);

            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> callIds = new ConcurrentLinkedQueue<>();
            List<Future<?>> load = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                load.add(callers.submit(() -> {
                    while (!stop.get()) {
                        CallOutcome outcome = dispatcher.getService()
                            .dispatch(new CallRequest(name, Map.of(), "itest", "reload", "", ""));
                        assertThat(outcome.ok()).as("%s", outcome).isTrue();
                        callIds.add(outcome.callId());
                    }
                    return null;
                }));
            }
            for (int i = 1; i <= 30; i++) {
                policies.getService().put("reload", document("v" + i), "itest");
                Thread.sleep(15);
            }
            stop.set(true);
            for (Future<?> f : load) {
                f.get();
            }

            Set<String> tagsSeen = ConcurrentHashMap.newKeySet();
            List<String> mixed = new ArrayList<>();
            for (String id : callIds) {
                List<AuditRecord> records = AuditTest.records(audit.getService(), id);
                AuditRecord attempt = records.stream().filter(r -> r.kind().equals(AuditRecord.ATTEMPT))
                    .findFirst().orElseThrow(() -> new AssertionError("no attempt record for " + id));
                List<Object> tags = attempt.decisions().stream()
                    .filter(d -> String.valueOf(d.get("guardrail")).startsWith("probe-"))
                    .map(d -> d.get("reason")).toList();
                assertThat(tags).as("probe decisions of call %s", id).hasSize(2);
                if (!tags.get(0).equals(tags.get(1))) {
                    mixed.add(id + " " + tags);
                }
                tagsSeen.add(String.valueOf(tags.get(0)));
            }
            assertThat(callIds.size()).as("calls made during the reloads").isGreaterThan(50);
            assertThat(tagsSeen.size()).as("versions the calls ran on: %s", tagsSeen).isGreaterThan(5);
            assertThat(mixed).as("calls that saw two versions").isEmpty();

            // every activation is audited, with its author
            List<AuditRecord> activations = audit.getService().query(new io.cuga.api.store.AuditQuery(null, null,
                null, null, AuditRecord.POLICY, "reload", null, 0, 1000)).records();
            assertThat(activations.stream().filter(r -> "activated".equals(r.data().get("event"))).count())
                .as("audited activations of profile reload").isGreaterThanOrEqualTo(31);
            assertThat(activations.get(0).caller()).isEqualTo("itest");
        } finally {
            // leave profile reload on a document that needs no probe, so nothing else sees a missing guardrail
            policies.getService().put("reload", ("profile: reload\nguardrails: [allowlist]\nallowlist:\n"
                + "  allow: [\"*\"]\n  bundles: [\"*\"]\n").getBytes(StandardCharsets.UTF_8), "itest");
            early.unregister();
            late.unregister();
        }
    }
}
