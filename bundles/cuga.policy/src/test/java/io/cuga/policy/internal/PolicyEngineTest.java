package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** Activation, refusal, history, rollback, extends cascades and guardrails coming and going, as the loader sees them. */
class PolicyEngineTest {

    final ServiceGuardrails guardrails = new ServiceGuardrails();
    final Events events = new Events();
    MemoryHistory history = new MemoryHistory(50);
    final List<String> written = new CopyOnWriteArrayList<>();
    PolicyEngine engine = engine();
    long nextId = 1;

    PolicyEngine engine() {
        return new PolicyEngine(() -> guardrails, guardrails::present, history, () -> Guard.DIRECT, events,
            Clock.systemUTC(), p -> "policies/" + p + ".yaml");
    }

    /** Records what the engine reports. */
    static final class Events implements PolicyEngine.Listener {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public void activated(PolicyImpl policy, PolicyImpl previous, String note, long nanos) {
            log.add("activated " + policy.profile() + " v" + policy.version() + (note.isEmpty() ? "" : " (" + note
                + ")"));
        }

        @Override
        public void refused(PolicyAdmin.Refusal refusal, PolicyImpl serving) {
            log.add("refused " + refusal.profile() + " " + refusal.error() + (serving == null ? ""
                : " [v" + serving.version() + " serves]"));
        }

        @Override
        public void deactivated(PolicyImpl previous, String reason) {
            log.add("deactivated " + previous.profile() + " v" + previous.version() + ": " + reason);
        }

        @Override
        public void guardrailsMissing(PolicyImpl policy, List<String> types) {
            log.add("missing " + policy.profile() + " v" + policy.version() + " " + types);
        }
    }

    FakeGuardrail install(String type) {
        FakeGuardrail guardrail = new FakeGuardrail(type);
        long id = nextId++;
        guardrails.add(new GuardrailCatalog.Provided(type, guardrail, 100, id, "test-" + id), 0);
        return guardrail;
    }

    void uninstall(String type) {
        guardrails.remove(guardrails.find(type).id());
    }

    void file(String profile, String text) {
        engine.apply(List.of(new PolicyEngine.FileChange(profile, "policies/" + profile + ".yaml",
            text.getBytes(StandardCharsets.UTF_8))));
    }

    void delete(String profile) {
        engine.apply(List.of(new PolicyEngine.FileChange(profile, "policies/" + profile + ".yaml", null)));
    }

    PolicyImpl active(String profile) {
        return engine.activePolicy(profile);
    }

    static String doc(String profile, String... allow) {
        return "profile: " + profile + "\nguardrails: [allowlist]\nallowlist:\n  allow: [" + String.join(", ", allow)
            + "]\n";
    }

    PolicyEngine.Writer writer() {
        return (profile, bytes) -> written.add(profile + ":" + new String(bytes, StandardCharsets.UTF_8).length());
    }

    static List<String> allow(Policy policy) {
        return ((FakeGuardrail.FakeRules) policy.rules("allowlist")).allow();
    }

    static GuardedCall call(String tool) {
        ToolDescriptor descriptor = new ToolDescriptor(tool, "", "{}", RiskTier.READ, List.of(), 0, "b", "1");
        return new GuardedCall() {
            public ToolDescriptor tool() {
                return descriptor;
            }

            public Map<String, Object> arguments() {
                return Map.of();
            }

            public String profile() {
                return "default";
            }

            public String session() {
                return "";
            }

            public String caller() {
                return "test";
            }

            public String callId() {
                return "c";
            }

            public String traceId() {
                return "t";
            }

            public java.time.Instant startedAt() {
                return java.time.Instant.now();
            }

            public boolean dryRun() {
                return false;
            }
        };
    }

    @Test
    void aFileActivatesAndEachEditIsANewVersion() {
        install("allowlist");
        file("default", doc("default", "calculator"));
        PolicyImpl v1 = active("default");
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.author()).isEqualTo("file");
        assertThat(v1.source()).isEqualTo("policies/default.yaml");
        assertThat(v1.digest()).isEqualTo(PolicyCompiler.digest(doc("default", "calculator").getBytes()));
        assertThat(allow(v1)).containsExactly("calculator");

        file("default", doc("default", "calculator", "sample_echo"));
        PolicyImpl v2 = active("default");
        assertThat(v2.version()).isEqualTo(2);
        assertThat(allow(v2)).containsExactly("calculator", "sample_echo");
        assertThat(allow(v1)).as("the old policy object is unchanged").containsExactly("calculator");

        file("default", doc("default", "calculator", "sample_echo"));
        assertThat(active("default")).as("the same bytes again are no new version").isSameAs(v2);
        assertThat(events.log).containsExactly("activated default v1", "activated default v2");
        assertThat(engine.all()).extracting(Policy::profile).containsExactly("default");
    }

    @Test
    void anInvalidEditIsRefusedOnceAndThePreviousVersionKeepsServing() {
        install("allowlist");
        file("default", doc("default", "calculator"));
        String broken = "profile: default\nguardrails: [allowlist]\nallowlist:\n  allow: calculator\n";
        file("default", broken);
        file("default", broken);
        assertThat(active("default").version()).isEqualTo(1);
        assertThat(events.log).containsExactly("activated default v1", "refused default policies/default.yaml:4:3: "
            + "/allowlist/allow: must be a list of tool names [v1 serves]");
        PolicyAdmin.ProfileState state = engine.profile("default").orElseThrow();
        assertThat(state.active().version()).isEqualTo(1);
        assertThat(state.lastRefusal().error().line()).isEqualTo(4);
        assertThat(state.lastRefusal().error().column()).isEqualTo(3);
        assertThat(state.lastRefusal().digest()).isEqualTo(PolicyCompiler.digest(broken.getBytes()));
        assertThat(engine.readiness(List.of("default")).ready()).isTrue();

        file("default", doc("default", "sample_echo"));
        assertThat(active("default").version()).isEqualTo(2);
        assertThat(engine.profile("default").orElseThrow().lastRefusal()).as("cleared by an activation").isNull();
    }

    @Test
    void deletingTheFileDeactivatesTheProfile() {
        install("allowlist");
        file("default", doc("default", "calculator"));
        PolicyImpl taken = active("default");
        delete("default");
        assertThat(engine.active("default")).isEmpty();
        assertThat(allow(taken)).as("a call that took the policy keeps it").containsExactly("calculator");
        assertThat(events.log).last().isEqualTo("deactivated default v1: policies/default.yaml was deleted");
        assertThat(engine.readiness(List.of("default")).detail())
            .isEqualTo("no valid policy for profile 'default' (no document policies/default.yaml)");
        file("default", doc("default", "calculator"));
        assertThat(active("default").version()).as("versions keep counting").isEqualTo(2);
    }

    @Test
    void putValidatesWritesAndActivatesAndAnInvalidPutChangesNothing() throws Exception {
        install("allowlist");
        file("default", doc("default", "calculator"));
        Policy put = engine.put("default", doc("default", "sample_echo").getBytes(), "alice", writer());
        assertThat(put.version()).isEqualTo(2);
        assertThat(put.author()).isEqualTo("alice");
        assertThat(put.source()).isEqualTo("api");
        assertThat(written).containsExactly("default:" + doc("default", "sample_echo").length());

        assertThat(engine.put("default", doc("default", "sample_echo").getBytes(), "bob", writer()))
            .as("the same document again: idempotent, nothing written").isSameAs(put);
        assertThat(written).hasSize(1);

        PolicyException invalid = catchThrowableOfType(PolicyException.class, () -> engine.put("default",
            "profile: default\nguardrails: [allowlist]\nallowlist: {allow: [1]}\n".getBytes(), "alice", writer()));
        assertThat(invalid.toString()).isEqualTo("policies/default.yaml:3:21: /allowlist/allow/0: must be a tool name "
            + "(a string)");
        assertThat(written).hasSize(1);
        assertThat(active("default").version()).isEqualTo(2);
        assertThat(engine.profile("default").orElseThrow().lastRefusal().source()).isEqualTo("api");
        assertThat(engine.profile("default").orElseThrow().lastRefusal().author()).isEqualTo("alice");

        PolicyException wrongProfile = catchThrowableOfType(PolicyException.class,
            () -> engine.put("default", doc("other", "x").getBytes(), "alice", writer()));
        assertThat(wrongProfile.toString()).startsWith("policies/default.yaml:1:1: /profile: profile 'other' does "
            + "not match");

        assertThatThrownBy(() -> engine.put("default", doc("default", "x").getBytes(), "alice",
            (p, b) -> {
                throw new IOException("read-only file system");
            })).isInstanceOf(IOException.class);
        assertThat(active("default").version()).as("nothing activated when the file cannot be written").isEqualTo(2);
    }

    @Test
    void historyListsActivationsNewestFirstAndRollbackActivatesAnOldDocumentAsANewVersion() throws Exception {
        install("allowlist");
        file("default", doc("default", "a"));
        file("default", doc("default", "b"));
        engine.put("default", doc("default", "c").getBytes(), "alice", writer());
        List<PolicyAdmin.Revision> revisions = engine.history("default");
        assertThat(revisions).extracting(PolicyAdmin.Revision::version).containsExactly(3L, 2L, 1L);
        assertThat(revisions).extracting(PolicyAdmin.Revision::author).containsExactly("alice", "file", "file");

        Policy rolled = engine.rollback("default", 1, "bob", writer());
        assertThat(rolled.version()).isEqualTo(4);
        assertThat(rolled.digest()).isEqualTo(revisions.get(2).digest());
        assertThat(allow(rolled)).containsExactly("a");
        assertThat(rolled.author()).isEqualTo("bob");
        assertThat(engine.history("default").get(0).note()).isEqualTo("rollback to v1");
        assertThat(written).hasSize(2);

        assertThatThrownBy(() -> engine.rollback("default", 99, "bob", writer()))
            .isInstanceOf(NoSuchElementException.class).hasMessage("profile 'default' has no version 99 in its history");
    }

    @Test
    void rollbackValidatesAgainstWhatIsInstalledNow() throws Exception {
        install("allowlist");
        install("budget");
        file("default", "profile: default\nguardrails: [allowlist, budget]\n");
        file("default", doc("default", "a"));
        uninstall("budget");
        PolicyException e = catchThrowableOfType(PolicyException.class,
            () -> engine.rollback("default", 1, "bob", writer()));
        assertThat(e.toString()).isEqualTo("policies/default.yaml:2:25: /guardrails/1: guardrail type 'budget' is "
            + "not installed (no Guardrail service with cuga.guardrail.type=budget): install its bundle");
        assertThat(active("default").version()).isEqualTo(2);
        assertThat(written).isEmpty();
    }

    @Test
    void historyIsBoundedAndRollbackNeedsAKeptVersion() {
        history = new MemoryHistory(3);
        engine = engine();
        install("allowlist");
        for (int i = 0; i < 5; i++) {
            file("default", doc("default", "t" + i));
        }
        assertThat(engine.history("default")).extracting(PolicyAdmin.Revision::version).containsExactly(5L, 4L, 3L);
        assertThatThrownBy(() -> engine.rollback("default", 1, "bob", writer()))
            .isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void aDocumentRefusedForAMissingGuardrailActivatesOnceItsBundleIsInstalled() {
        install("allowlist");
        file("default", "profile: default\nguardrails: [allowlist, budget]\n");
        assertThat(engine.active("default")).isEmpty();
        assertThat(engine.readiness(List.of("default")).ready()).isFalse();
        assertThat(engine.readiness(List.of("default")).detail()).isEqualTo("no valid policy for profile 'default' "
            + "(refused: policies/default.yaml:2:25: /guardrails/1: guardrail type 'budget' is not installed (no "
            + "Guardrail service with cuga.guardrail.type=budget): install its bundle)");
        install("budget");
        engine.guardrailsChanged();
        assertThat(active("default").version()).isEqualTo(1);
        assertThat(events.log).last().isEqualTo("activated default v1 (retried: the installed guardrails changed)");
        assertThat(engine.readiness(List.of("default"))).isEqualTo(
            new io.cuga.api.health.ReadinessCheck.Readiness(true, "active: default v1"));
    }

    @Test
    void whenAGuardrailGoesAwayThePolicyStaysButItsRulesDenyUntilItReturns() {
        install("allowlist");
        file("default", doc("default", "calculator"));
        PolicyImpl policy = active("default");
        assertThat(policy.rules("allowlist").check(call("calculator")).verdict()).isEqualTo(Verdict.ALLOW);

        uninstall("allowlist");
        Guardrail.Rules gone = policy.rules("allowlist");
        Decision decision = gone.check(call("calculator"));
        assertThat(decision.verdict()).isEqualTo(Verdict.DENY);
        assertThat(decision.guardrail()).isEqualTo("allowlist");
        assertThat(decision.rule()).isEqualTo("guardrail_missing");
        assertThat(decision.reason()).isEqualTo("guardrail bundle for type allowlist is not installed");
        assertThatThrownBy(() -> gone.checkTightens(gone)).isInstanceOf(PolicyException.class);
        assertThat(policy.rules("budget")).as("a type the policy does not name").isNull();
        assertThat(engine.active("default")).as("still active").contains(policy);
        assertThat(engine.readiness(List.of("default")).detail()).isEqualTo("profile 'default' needs guardrail type "
            + "allowlist, whose bundle is not installed (its calls are denied)");
        assertThat(engine.profile("default").orElseThrow().missingGuardrails()).containsExactly("allowlist");

        engine.guardrailsChanged();
        engine.guardrailsChanged();
        assertThat(events.log).containsOnlyOnce("missing default v1 [allowlist]");

        FakeGuardrail back = install("allowlist");
        engine.guardrailsChanged();
        PolicyImpl recompiled = active("default");
        assertThat(recompiled.version()).isEqualTo(2);
        assertThat(back.compiles.get()).isEqualTo(1);
        assertThat(recompiled.rules("allowlist").check(call("calculator")).verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(recompiled.digest()).isEqualTo(policy.digest());
        assertThat(events.log).last().isEqualTo(
            "activated default v2 (recompiled: the guardrail bundle of allowlist is back)");
        assertThat(engine.readiness(List.of("default")).ready()).isTrue();
    }

    // -------------------------------------------------------------------------------------------- extends

    static final String BASE = """
        profile: base
        guardrails: [allowlist, budget]
        allowlist:
          allow: [a, b, c]
        budget:
          ceiling: 50
        """;

    static final String CHILD = """
        profile: team
        extends: base
        guardrails: [allowlist, budget]
        allowlist:
          allow: [a]
        """;

    @Test
    void aChildBeforeItsParentInOneBatchActivatesAfterIt() {
        install("allowlist");
        install("budget");
        engine.apply(List.of(new PolicyEngine.FileChange("team", "policies/team.yaml", CHILD.getBytes()),
            new PolicyEngine.FileChange("base", "policies/base.yaml", BASE.getBytes())));
        assertThat(active("base").version()).isEqualTo(1);
        assertThat(active("team").version()).isEqualTo(1);
        assertThat(events.log).containsExactly("activated base v1", "activated team v1 (parent 'base' v1)");
    }

    @Test
    void aChildWaitingForItsParentActivatesWithIt() {
        install("allowlist");
        install("budget");
        file("team", CHILD);
        assertThat(events.log).containsExactly("refused team policies/team.yaml:2:1: /extends: cannot extend profile "
            + "'base': there is no policy document policies/base.yaml");
        file("base", BASE);
        assertThat(active("team").document()).containsEntry("budget", Map.of("ceiling", 50));
    }

    @Test
    void aParentEditReachesTheChildrenAndAChildThatWouldLoosenKeepsItsVersion() {
        install("allowlist");
        install("budget");
        file("base", BASE);
        file("team", CHILD);
        file("base", BASE.replace("ceiling: 50", "ceiling: 40"));
        assertThat(active("team").version()).isEqualTo(2);
        assertThat(active("team").document()).containsEntry("budget", Map.of("ceiling", 40));
        assertThat(events.log).last().isEqualTo("activated team v2 (parent 'base' v2)");

        file("base", BASE.replace("[a, b, c]", "[b, c]"));
        assertThat(active("base").version()).isEqualTo(3);
        assertThat(active("team").version()).isEqualTo(2);
        assertThat(events.log).last().isEqualTo("refused team policies/team.yaml:5:11: /allowlist/allow/0: loosens "
            + "profile 'base': 'a' is not allowed by the parent [v2 serves]");
    }

    @Test
    void anEditThatLeavesTheChildsEffectiveDocumentAloneMakesNoNewChildVersion() {
        install("allowlist");
        install("budget");
        file("base", BASE);
        file("team", CHILD);
        file("base", BASE + "description: only words\n");
        assertThat(active("base").version()).isEqualTo(2);
        assertThat(active("team").version()).as("the description is inherited: a new effective document").isEqualTo(2);
        file("base", (BASE + "description: only words\n").replace("[a, b, c]", "[a, b, c, d]"));
        assertThat(active("base").version()).isEqualTo(3);
        assertThat(active("team").version()).as("the child's own allow list replaces the parent's").isEqualTo(2);
    }

    @Test
    void aFileWhoseNameIsNotAProfileIsRefusedOncePerContent() {
        engine.refuseFile("my policy.yaml", "policies/my policy.yaml", new byte[] {1}, "bad name");
        engine.refuseFile("my policy.yaml", "policies/my policy.yaml", new byte[] {1}, "bad name");
        assertThat(events.log).containsExactly("refused my policy policies/my policy.yaml:1:1: bad name");
    }

    // ---------------------------------------------------------------------------------------- concurrency

    @Test
    void readersAlwaysSeeOneWholeVersionWhileVersionsAreSwappedIn() throws Exception {
        install("allowlist");
        file("default", doc("default", "t0"));
        PolicyImpl first = active("default");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            Thread reader = new Thread(() -> {
                started.countDown();
                long last = 0;
                while (!stop.get()) {
                    Policy policy = engine.active("default").orElse(null);
                    if (policy == null) {
                        failure.compareAndSet(null, "no active policy during a reload");
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> documented = (List<Object>) ((Map<String, Object>) policy.document().get("allowlist"))
                        .get("allow");
                    List<String> compiled = allow(policy);
                    String expected = "t" + (policy.version() - 1);
                    if (!documented.equals(List.of(expected)) || !compiled.equals(List.of(expected))) {
                        failure.compareAndSet(null, "v" + policy.version() + " mixes " + documented + " and " + compiled);
                    }
                    if (policy.version() < last) {
                        failure.compareAndSet(null, "went back from v" + last + " to v" + policy.version());
                    }
                    last = policy.version();
                    reads.incrementAndGet();
                }
            });
            reader.start();
            readers.add(reader);
        }
        started.await();
        for (int i = 1; i <= 300; i++) {
            file("default", doc("default", "t" + i));
        }
        stop.set(true);
        for (Thread reader : readers) {
            reader.join(10_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(reads.get()).isPositive();
        assertThat(active("default").version()).isEqualTo(301);
        assertThat(allow(first)).containsExactly("t0");
    }
}
