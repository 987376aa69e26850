package io.cuga.guardrail.budget.internal;

import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.BudgetLedger.BudgetKey;

import static io.cuga.guardrail.budget.internal.Yaml.list;
import static io.cuga.guardrail.budget.internal.Yaml.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.policy.PolicyService;
import io.cuga.guardrail.budget.BudgetUsage;

class BudgetGuardrailTest {

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final InMemoryBudgetLedger ledger = new InMemoryBudgetLedger(millis::get);
    private final BudgetGuardrail guardrail = new BudgetGuardrail(ledger);
    private final AtomicInteger ids = new AtomicInteger();
    private ExecutorService pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private Guardrail.Rules compile(Object... limits) throws PolicyException {
        return guardrail.compile(map("limits", list(limits)), "default");
    }

    private static Map<String, Object> limit(String kind, String scope, Object ceiling, Object... more) {
        Map<String, Object> m = map("kind", kind, "scope", scope, "ceiling", ceiling);
        m.putAll(map(more));
        return m;
    }

    private Call call() {
        return Call.of("calculator").id("c-" + ids.incrementAndGet());
    }

    private static CallOutcome outcome(CallOutcome.Status status, Map<String, Object> details) {
        return new CallOutcome(status, "calculator", "c", "t", null, null, null, details, Decision.allow(), 1);
    }

    /** A call that passes the chain, runs and ends with {@code status} and {@code details}. */
    private static Decision run(Guardrail.Rules rules, Call call, CallOutcome.Status status, Map<String, Object> details) {
        Decision d = rules.check(call);
        if (d.verdict() != Verdict.DENY) {
            rules.complete(call, d, outcome(status, details));
        }
        return d;
    }

    private Decision ok(Guardrail.Rules rules) {
        return run(rules, call(), CallOutcome.Status.OK, Map.of());
    }

    @Test
    void withoutALedgerServiceABudgetedCallIsRefusedAsStoreUnavailable() throws Exception {
        // the server's guardrail counts in the store's ledger; with no store there is nowhere to count: fail closed
        Guardrail.Rules rules = new BudgetGuardrail(Map.of())
            .compile(map("limits", list(limit("calls", "profile", 5))), "default");
        assertThatThrownBy(() -> rules.check(call()))
            .isInstanceOf(io.cuga.api.store.StoreUnavailableException.class)
            .hasMessageContaining("no budget ledger");
        // a policy without limits needs no ledger
        assertThat(new BudgetGuardrail(Map.of()).compile(map(), "default").check(call()).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void withoutLimitsEverythingPasses() throws Exception {
        Guardrail.Rules rules = guardrail.compile(null, "default");
        for (int i = 0; i < 100; i++) {
            assertThat(ok(rules)).isEqualTo(Decision.allow());
        }
    }

    // --- at the ceiling is exhausted, for each kind ---

    @Test
    void callsOneToFiftyPassAndTheFiftyFirstIsDenied() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 50, "warn_ratio", 1));
        for (int i = 1; i <= 49; i++) {
            assertThat(ok(rules).verdict()).as("call %d", i).isEqualTo(Verdict.ALLOW);
        }
        assertThat(ok(rules).verdict()).as("call 50").isEqualTo(Verdict.WARN); // at 100 %
        Decision d = ok(rules);
        assertThat(d.verdict()).as("call 51").isEqualTo(Verdict.DENY);
        assertThat(d.isLimit()).isTrue();
        assertThat(d.guardrail()).isEqualTo("budget");
        assertThat(d.rule()).isEqualTo("calls/session");
        assertThat(d.reason()).isEqualTo("calls budget per session 's1' exhausted: 50 of 50 used");
        assertThat(d.details()).containsEntry(Decision.LIMIT, true).containsEntry("used", new BigDecimal("50"))
            .containsEntry("ceiling", new BigDecimal("50")).doesNotContainKey(Decision.RETRY_AFTER_SECONDS);
    }

    @Test
    void reservationsCountBeforeTheCallsEnd() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 3));
        List<Call> inFlight = List.of(call(), call(), call());
        for (Call c : inFlight) {
            assertThat(rules.check(c).verdict()).isNotEqualTo(Verdict.DENY);
        }
        assertThat(rules.check(call()).verdict()).isEqualTo(Verdict.DENY);
        // one of them is denied later in the chain: its reservation comes back
        rules.complete(inFlight.get(0), Decision.deny("approval", "tier:DELETE", "no"), null);
        assertThat(ok(rules).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(rules.check(call()).verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void tokensAreSettledFromTheOutcomeAndTheCeilingIsExhausting() throws Exception {
        Guardrail.Rules rules = compile(limit("tokens", "session", 100));
        assertThat(run(rules, call(), CallOutcome.Status.OK, Map.of("tokens", 60)).verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(run(rules, call(), CallOutcome.Status.OK, Map.of("tokens", 39)).verdict()).isEqualTo(Verdict.ALLOW);
        // 99 used: one more call may start (it reserves nothing) and reports 1
        Decision at99 = run(rules, call(), CallOutcome.Status.OK, Map.of("tokens", 1L));
        assertThat(at99.verdict()).isEqualTo(Verdict.WARN);
        assertThat(at99.reason()).isEqualTo("tokens budget per session 's1' at 99%: 99 of 100 used");
        Decision at100 = rules.check(call());
        assertThat(at100.verdict()).isEqualTo(Verdict.DENY);
        assertThat(at100.rule()).isEqualTo("tokens/session");
        assertThat(at100.reason()).isEqualTo("tokens budget per session 's1' exhausted: 100 of 100 used");
    }

    @Test
    void costIsExactAndReservesItsEstimate() throws Exception {
        Guardrail.Rules rules = compile(limit("cost", "profile", 1, "warn_ratio", 1));
        for (int i = 1; i <= 10; i++) {
            assertThat(run(rules, call(), CallOutcome.Status.OK, Map.of("cost", 0.1)).verdict()).as("call %d", i)
                .isNotEqualTo(Verdict.DENY);
        }
        Decision d = rules.check(call());
        assertThat(d.verdict()).isEqualTo(Verdict.DENY); // 0.1 x 10 is exactly 1, the ceiling
        assertThat(d.reason()).isEqualTo("cost budget per profile 'default' exhausted: 1 of 1 used");

        Guardrail.Rules estimated = guardrail.compile(map("limits", list(limit("cost", "session", 1.5, "estimate", 0.5))), "p2");
        Call a = call();
        Call b = call();
        Call c = call();
        assertThat(estimated.check(a).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(estimated.check(b).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(estimated.check(c).verdict()).isNotEqualTo(Verdict.DENY); // 1.5 reserved: at the ceiling, not over
        assertThat(estimated.check(call()).reason()).isEqualTo("cost budget per session 's1' exhausted: 1.5 of 1.5 used");
        // the calls cost less than their estimate: the difference comes back
        for (Call done : List.of(a, b, c)) {
            estimated.complete(done, Decision.allow(), outcome(CallOutcome.Status.OK, Map.of("cost", new BigDecimal("0.25"))));
        }
        assertThat(estimated.check(call()).verdict()).isNotEqualTo(Verdict.DENY); // 0.75 + 0.5
    }

    @Test
    void aReportedAmountIsRoundedUpToTheMillionth() throws Exception {
        Guardrail.Rules rules = compile(limit("cost", "session", 0.000002));
        run(rules, call(), CallOutcome.Status.OK, Map.of("cost", 0.0000011));
        assertThat(rules.check(call()).verdict()).isEqualTo(Verdict.DENY); // 0.000002 used
    }

    @Test
    void costAndTokensWithoutAReportAreReleased() throws Exception {
        Guardrail.Rules rules = compile(limit("tokens", "session", 1, "estimate", 1), limit("cost", "session", 1, "estimate", 1));
        for (Map<String, Object> details : List.<Map<String, Object>>of(Map.of(), Map.of("tokens", "5", "cost", "1"),
            Map.of("tokens", -1, "cost", Double.NaN), Map.of("tokens", Double.POSITIVE_INFINITY))) {
            assertThat(run(rules, call(), CallOutcome.Status.OK, details).verdict()).isNotEqualTo(Verdict.DENY);
        }
        assertThat(ledger.balance(new BudgetKey("default", "tokens", "session", "s1")))
            .isEqualTo(BudgetLedger.Balance.ZERO);
    }

    @ParameterizedTest
    @EnumSource(CallOutcome.Status.class)
    void aCallIsChargedOnlyWhenItsToolRan(CallOutcome.Status status) throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 1));
        run(rules, call(), status, Map.of());
        boolean charged = switch (status) {
            case OK, TOOL_ERROR, TOOL_FAILED, TIMEOUT -> true;
            default -> false;
        };
        assertThat(rules.check(call()).verdict()).isEqualTo(charged ? Verdict.DENY : Verdict.WARN);
        assertThat(((BudgetRules) rules).pending()).isEqualTo(charged ? 0 : 1);
    }

    @Test
    void theWarnRatioWarnsFromItsShareOn() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 10));
        for (int i = 1; i <= 7; i++) {
            assertThat(ok(rules).verdict()).as("call %d", i).isEqualTo(Verdict.ALLOW);
        }
        Decision eighth = ok(rules);
        assertThat(eighth.verdict()).isEqualTo(Verdict.WARN);
        assertThat(eighth.guardrail()).isEqualTo("budget");
        assertThat(eighth.rule()).isEqualTo("calls/session");
        assertThat(eighth.reason()).isEqualTo("calls budget per session 's1' at 80%: 8 of 10 used");
        assertThat(ok(rules).verdict()).isEqualTo(Verdict.WARN);
        assertThat(ok(rules).reason()).isEqualTo("calls budget per session 's1' at 100%: 10 of 10 used");
        assertThat(ok(rules).verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void warnModeLetsCallsPassOverTheCeilingWithAWarning() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 2, "on_exceed", "warn"));
        ok(rules);
        ok(rules);
        for (int i = 3; i <= 100; i++) {
            Decision d = ok(rules);
            assertThat(d.verdict()).isEqualTo(Verdict.WARN);
            if (i == 3) {
                assertThat(d.reason()).isEqualTo("calls budget per session 's1' exceeded: 3 of 2 used (on_exceed warn)");
            }
        }
    }

    @Test
    void escalationBlocksAfterNExceedances() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 2, "on_exceed", "warn", "escalation", 3));
        ok(rules);
        ok(rules);
        for (int n = 1; n <= 3; n++) {
            Decision d = ok(rules);
            assertThat(d.verdict()).isEqualTo(Verdict.WARN);
            assertThat(d.reason()).endsWith("(on_exceed warn, exceedance " + n + " of 3 before calls are blocked)");
        }
        Decision blocked = ok(rules);
        assertThat(blocked.verdict()).isEqualTo(Verdict.DENY);
        assertThat(blocked.isLimit()).isTrue();
        assertThat(blocked.reason()).isEqualTo("calls budget per session 's1' exceeded 3 times in warn mode, its escalation "
            + "limit: calls are blocked (5 of 2 used)");
        // per scope: another session has its own count
        assertThat(run(rules, call().session("s2"), CallOutcome.Status.OK, Map.of()).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void dryRunsReserveNothingButTellWhatWouldHappen() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 2, "on_exceed", "warn", "escalation", 1));
        for (int i = 0; i < 10; i++) {
            assertThat(rules.check(call().dry()).verdict()).isEqualTo(Verdict.ALLOW);
        }
        assertThat(((BudgetRules) rules).pending()).isZero();
        ok(rules);
        assertThat(rules.check(call().dry()).verdict()).isEqualTo(Verdict.WARN); // 2 of 2 would be used
        ok(rules);
        assertThat(rules.check(call().dry()).reason()).contains("exceedance 1 of 1");
        ok(rules);
        assertThat(rules.check(call().dry()).verdict()).isEqualTo(Verdict.DENY);
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "s1")))
            .isEqualTo(new BudgetLedger.Balance(3_000_000, 0, 1));
    }

    @Test
    void scopesKeepSeparateBudgets() throws Exception {
        Guardrail.Rules perSession = compile(limit("calls", "session", 1));
        assertThat(ok(perSession).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(ok(perSession).verdict()).isEqualTo(Verdict.DENY);
        assertThat(run(perSession, call().session("s2"), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);
        // calls without a session share one budget
        assertThat(run(perSession, call().session(""), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(run(perSession, call().session(""), CallOutcome.Status.OK, Map.of()).reason()).contains("session (none)");

        Guardrail.Rules perTask = compile(limit("calls", "task", 1));
        assertThat(run(perTask, call().trace("a"), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);
        Decision again = run(perTask, call().trace("a"), CallOutcome.Status.OK, Map.of());
        assertThat(again.reason()).isEqualTo("calls budget per task 'a' exhausted: 1 of 1 used");
        assertThat(run(perTask, call().trace("b"), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);

        Guardrail.Rules perProfile = compile(limit("calls", "profile", 1));
        assertThat(run(perProfile, call().session("x"), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(run(perProfile, call().session("y"), CallOutcome.Status.OK, Map.of()).verdict()).isEqualTo(Verdict.DENY);
        Guardrail.Rules otherProfile = guardrail.compile(map("limits", list(limit("calls", "profile", 1))), "other");
        assertThat(run(otherProfile, call().profile("other"), CallOutcome.Status.OK, Map.of()).verdict()).isNotEqualTo(Verdict.DENY);
    }

    @Test
    void aLimitThatRefusesReleasesWhatTheOthersReserved() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 5), limit("calls", "profile", 1));
        ok(rules);
        Decision d = ok(rules);
        assertThat(d.rule()).isEqualTo("calls/profile");
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "s1")))
            .isEqualTo(new BudgetLedger.Balance(1_000_000, 0, 0));
    }

    @Test
    void aReloadKeepsWhatWasSpentEvenWithAnotherCeiling() throws Exception {
        Guardrail.Rules before = compile(limit("calls", "session", 10));
        for (int i = 0; i < 4; i++) {
            ok(before);
        }
        Guardrail.Rules lowered = compile(limit("calls", "session", 5));
        assertThat(ok(lowered).verdict()).isNotEqualTo(Verdict.DENY);
        assertThat(ok(lowered).verdict()).isEqualTo(Verdict.DENY);
        // a call checked under the old rules and completed after the reload still settles in the same ledger
        Guardrail.Rules raised = compile(limit("calls", "session", 7));
        Call inFlight = call();
        assertThat(raised.check(inFlight).verdict()).isNotEqualTo(Verdict.DENY);
        Guardrail.Rules reloaded = compile(limit("calls", "session", 7));
        assertThat(reloaded.check(call()).verdict()).isNotEqualTo(Verdict.DENY);
        raised.complete(inFlight, Decision.allow(), outcome(CallOutcome.Status.OK, Map.of()));
        assertThat(reloaded.check(call()).verdict()).isEqualTo(Verdict.DENY);
    }

    // --- concurrency ---

    private int concurrently(int calls, Callable<Boolean> each) throws Exception {
        pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return each.call();
            }));
        }
        start.countDown();
        int passed = 0;
        for (Future<Boolean> f : results) {
            passed += f.get() ? 1 : 0;
        }
        return passed;
    }

    @Test
    void aThousandConcurrentChecksAgainstACeilingOfFiftyAllowExactlyFifty() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 50));
        int passed = concurrently(1_000, () -> rules.check(call()).verdict() != Verdict.DENY);
        assertThat(passed).isEqualTo(50);
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "s1")).used())
            .isEqualTo(50 * Units.ONE);
    }

    @Test
    void concurrentCallsThatRunAndSettleNeverOverspend() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 50), limit("cost", "session", 30, "estimate", 1));
        int passed = concurrently(1_000, () -> run(rules, call(), CallOutcome.Status.OK, Map.of("cost", 0.5)).verdict() != Verdict.DENY);
        // each call reserves 1 of cost but spends 0.5: the reservations limit how many run at once, the
        // settled cost limits the total, and no interleaving lets the total pass 30 or the calls pass 50
        assertThat(passed).isBetween(30, 50);
        BudgetLedger.Balance cost = ledger.balance(new BudgetKey("default", "cost", "session", "s1"));
        assertThat(cost.reserved()).isZero();
        assertThat(cost.spent()).isLessThanOrEqualTo(30 * Units.ONE).isEqualTo(passed * Units.ONE / 2);
        assertThat(((BudgetRules) rules).pending()).isZero();
    }

    @Test
    void concurrentWarnModeExceedancesAreCountedExactly() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 10, "on_exceed", "warn", "escalation", 5));
        int passed = concurrently(1_000, () -> rules.check(call()).verdict() != Verdict.DENY);
        assertThat(passed).isEqualTo(15);
    }

    @Test
    void concurrentCallsDeniedLaterInTheChainGiveEverythingBack() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 50));
        concurrently(1_000, () -> {
            Call c = call();
            Decision d = rules.check(c);
            rules.complete(c, Decision.deny("approval", "tier:DELETE", "needs a human"), null);
            return d.verdict() != Verdict.DENY;
        });
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "s1")))
            .isEqualTo(BudgetLedger.Balance.ZERO);
        assertThat(((BudgetRules) rules).pending()).isZero();
    }

    // --- the view ---

    @Test
    void theViewShowsTheActivePolicysProfileAndSessionBudgets() throws Exception {
        PolicyBudgetView view = new PolicyBudgetView();
        assertThat(view.usage("default", "s1")).isEmpty(); // no policy service
        Guardrail.Rules rules = compile(limit("calls", "session", 50), limit("cost", "profile", 2.5, "on_exceed", "warn"),
            limit("tokens", "task", 100));
        PolicyService service = policyService("default", rules);
        view.setPolicies(service);
        Call inFlight = call();
        rules.check(inFlight);
        run(rules, call(), CallOutcome.Status.OK, Map.of("cost", 0.75));

        List<BudgetUsage> usage = view.usage("default", "s1");
        assertThat(usage).containsExactly(
            new BudgetUsage("calls", "session", "s1", new BigDecimal("1"), new BigDecimal("1"), new BigDecimal("50"), 0.8,
                "block", 0),
            new BudgetUsage("cost", "profile", "default", new BigDecimal("0.75"), new BigDecimal("0"), new BigDecimal("2.5"),
                0.8, "warn", 0));
        assertThat(usage.get(0).exhausted()).isFalse();
        assertThat(view.usage("default", "s2").get(0).spent()).isEqualTo(new BigDecimal("0"));
        assertThat(view.usage("nobody", "s1")).isEmpty();
        view.unsetPolicies(service);
        assertThat(view.usage("default", "s1")).isEmpty();
    }

    /** The policy service of the loader, reduced to what the view asks: one profile with these rules. */
    private static PolicyService policyService(String profile, Guardrail.Rules budget) {
        Policy policy = (Policy) Proxy.newProxyInstance(Policy.class.getClassLoader(), new Class<?>[] {Policy.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "profile" -> profile;
                case "rules" -> BudgetGuardrail.TYPE.equals(args[0]) ? budget : null;
                default -> throw new UnsupportedOperationException(method.getName());
            });
        return (PolicyService) Proxy.newProxyInstance(PolicyService.class.getClassLoader(), new Class<?>[] {PolicyService.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "active" -> profile.equals(args[0]) ? Optional.of(policy) : Optional.empty();
                case "all" -> List.of(policy);
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    // --- the in-memory ledger's memory ---

    @Test
    void idleSessionEntriesAreDroppedButProfilesAndReservationsStay() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 5), limit("calls", "profile", 1_000_000));
        Call held = call().session("holding");
        rules.check(held);
        ok(rules);
        millis.addAndGet(InMemoryBudgetLedger.IDLE_MILLIS + 1);
        for (int i = 0; i < InMemoryBudgetLedger.SWEEP_EVERY; i++) {
            ledger.balance(new BudgetKey("default", "calls", "session", "x")); // reads create nothing
            run(rules, call().session("n" + i), CallOutcome.Status.OK, Map.of());
        }
        // s1 was swept (idle, nothing reserved); "holding" holds a reservation; the profile entry stays
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "s1")))
            .isEqualTo(BudgetLedger.Balance.ZERO);
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "holding")).reserved())
            .isEqualTo(Units.ONE);
        assertThat(ledger.balance(new BudgetKey("default", "calls", "profile", "")).spent())
            .isEqualTo((InMemoryBudgetLedger.SWEEP_EVERY + 1) * Units.ONE);
        assertThat(ledger.size()).isLessThanOrEqualTo(InMemoryBudgetLedger.SWEEP_EVERY + 2);
        rules.complete(held, Decision.allow(), outcome(CallOutcome.Status.OK, Map.of()));
        assertThat(ledger.balance(new BudgetKey("default", "calls", "session", "holding")).spent())
            .isEqualTo(Units.ONE);
    }

    // --- compile errors ---

    @Test
    void compileErrorsNameTheirPath() {
        refused(map("limit", list()), "/limit", "unknown key 'limit'; expected one of limits");
        refused(map("limits", "calls"), "/limits", "limits must be a list of objects, not a string");
        refused(map("limits", list(list())), "/limits/0", "limits entries must be an object, not a list");
        refused(map("limits", list(limit("calls", "session", 1, "max", 3))), "/limits/0/max", "unknown key 'max'");
        refused(map("limits", list(map("scope", "session", "ceiling", 1))), "/limits/0/kind", "required: kind");
        refused(map("limits", list(limit("dollars", "session", 1))), "/limits/0/kind",
            "kind must be one of calls, cost, tokens, not 'dollars'");
        refused(map("limits", list(limit("calls", "caller", 1))), "/limits/0/scope",
            "scope must be one of profile, session, task, not 'caller'");
        refused(map("limits", list(map("kind", "calls", "scope", "session"))), "/limits/0/ceiling", "required: ceiling");
        refused(map("limits", list(limit("calls", "session", "50"))), "/limits/0/ceiling", "ceiling must be a number, not a string");
        refused(map("limits", list(limit("calls", "session", -1))), "/limits/0/ceiling", "ceiling must be between 0 and");
        refused(map("limits", list(limit("calls", "session", 1.5))), "/limits/0/ceiling", "ceiling of calls must be a whole number, not 1.5");
        refused(map("limits", list(limit("tokens", "session", 10, "estimate", 0.5))), "/limits/0/estimate",
            "estimate of tokens must be a whole number");
        refused(map("limits", list(limit("cost", "session", 0.0000001))), "/limits/0/ceiling", "at most six decimals, not 0.0000001");
        refused(map("limits", list(limit("calls", "session", 1, "warn_ratio", 1.5))), "/limits/0/warn_ratio",
            "warn_ratio must be between 0 and 1, not 1.5");
        refused(map("limits", list(limit("calls", "session", 1, "on_exceed", "stop"))), "/limits/0/on_exceed",
            "on_exceed must be block or warn, not 'stop'");
        refused(map("limits", list(limit("calls", "session", 1, "escalation", 2))), "/limits/0/escalation",
            "it needs on_exceed: warn");
        refused(map("limits", list(limit("calls", "session", 1, "on_exceed", "warn", "escalation", -1))), "/limits/0/escalation",
            "escalation must be between 0 and");
        refused(map("limits", list(limit("calls", "session", 1, "on_exceed", "warn", "escalation", 1.5))), "/limits/0/escalation",
            "escalation must be a whole number");
        refused(map("limits", list(limit("calls", "session", 1, "estimate", 1))), "/limits/0/estimate",
            "a call reserves exactly one call");
        refused(map("limits", list(limit("calls", "session", 1), limit("calls", "session", 2))), "/limits/1",
            "a calls limit per session is already at /limits/0");
    }

    private void refused(Map<String, Object> section, String path, String message) {
        assertThatThrownBy(() -> guardrail.compile(section, "default")).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void aCeilingOfZeroAllowsNothingAndDefaultsApply() throws Exception {
        Guardrail.Rules rules = compile(limit("calls", "session", 0));
        assertThat(rules.check(call()).reason()).isEqualTo("calls budget per session 's1' exhausted: 0 of 0 used");
        Guardrail.Rules tokens = compile(limit("tokens", "session", 0, "on_exceed", "warn"));
        assertThat(tokens.check(call()).verdict()).isEqualTo(Verdict.WARN);
    }

    // --- tightening ---

    @Test
    void aChildMayOnlyTighten() throws Exception {
        Guardrail.Rules parent = compile(limit("calls", "session", 50),
            limit("cost", "profile", 10, "on_exceed", "warn", "escalation", 3, "estimate", 1),
            limit("tokens", "task", 100, "on_exceed", "warn"));
        compile(limit("tokens", "task", 100, "on_exceed", "warn", "escalation", 9), limit("calls", "session", 40, "warn_ratio", 0.5),
            limit("cost", "profile", 10, "escalation", 0, "estimate", 2), limit("calls", "profile", 1000)).checkTightens(parent);
        compile(limit("calls", "session", 50), limit("cost", "profile", 10, "on_exceed", "warn", "escalation", 2, "estimate", 1),
            limit("tokens", "task", 100)).checkTightens(parent);

        loosens(parent, "/limits", "the parent limits tokens per task: a profile may add limits, not remove them",
            limit("calls", "session", 50), limit("cost", "profile", 10, "estimate", 1));
        loosens(parent, "/limits/0/ceiling", "the parent's ceiling of calls per session is 50: a profile may only lower it, not raise it to 51",
            limit("calls", "session", 51), limit("cost", "profile", 10, "estimate", 1), limit("tokens", "task", 100));
        loosens(parent, "/limits/0/warn_ratio", "may only warn earlier, not at 0.9",
            limit("calls", "session", 50, "warn_ratio", 0.9), limit("cost", "profile", 10, "estimate", 1), limit("tokens", "task", 100));
        loosens(parent, "/limits/0/on_exceed", "the parent blocks calls per session at its ceiling",
            limit("calls", "session", 50, "on_exceed", "warn"), limit("cost", "profile", 10, "estimate", 1), limit("tokens", "task", 100));
        loosens(parent, "/limits/1/escalation", "may only block sooner, not after 4",
            limit("calls", "session", 50), limit("cost", "profile", 10, "on_exceed", "warn", "escalation", 4, "estimate", 1),
            limit("tokens", "task", 100));
        loosens(parent, "/limits/1/escalation", "not never",
            limit("calls", "session", 50), limit("cost", "profile", 10, "on_exceed", "warn", "estimate", 1), limit("tokens", "task", 100));
        loosens(parent, "/limits/1/estimate", "the parent reserves 1 per call for cost per profile: a profile may only reserve more, not 0.5",
            limit("calls", "session", 50), limit("cost", "profile", 10, "estimate", 0.5), limit("tokens", "task", 100));
    }

    private void loosens(Guardrail.Rules parent, String path, String message, Object... childLimits) {
        assertThatThrownBy(() -> compile(childLimits).checkTightens(parent)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void theParentMustBeABudgetSection() {
        assertThatThrownBy(() -> compile().checkTightens(new Guardrail.Rules() {
            @Override
            public Decision check(io.cuga.api.guardrail.GuardedCall call) {
                return Decision.allow();
            }

            @Override
            public void checkTightens(Guardrail.Rules parent) {
            }
        })).isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.path()).isEmpty());
    }
}
