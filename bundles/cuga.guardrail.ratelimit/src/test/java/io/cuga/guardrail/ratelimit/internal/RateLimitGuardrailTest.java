package io.cuga.guardrail.ratelimit.internal;

import static io.cuga.guardrail.ratelimit.internal.Yaml.list;
import static io.cuga.guardrail.ratelimit.internal.Yaml.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

class RateLimitGuardrailTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RateLimitGuardrail guardrail = new RateLimitGuardrail(nanos::get);

    private Guardrail.Rules compile(Object... rules) throws PolicyException {
        return guardrail.compile(map("rules", list(rules)), "default");
    }

    private static Map<String, Object> rule(String tool, String scope, Object perSecond, Object burst) {
        return map("tool", tool, "scope", scope, "per_second", perSecond, "burst", burst);
    }

    private void advanceMillis(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static boolean allowed(Guardrail.Rules rules, Call call) {
        return rules.check(call).verdict() == Verdict.ALLOW;
    }

    @Test
    void withoutRulesEverythingPasses() throws Exception {
        Guardrail.Rules rules = guardrail.compile(null, "default");
        for (int i = 0; i < 100; i++) {
            assertThat(rules.check(Call.of("calculator"))).isEqualTo(Decision.allow());
        }
    }

    @Test
    void theBurstPassesAndTheNextCallIsALimitWithRetryAfter() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "profile", 1, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(allowed(rules, Call.of("calculator"))).as("call %d", i + 1).isTrue();
        }
        Decision d = rules.check(Call.of("calculator"));
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.isLimit()).isTrue();
        assertThat(d.guardrail()).isEqualTo("ratelimit");
        assertThat(d.rule()).isEqualTo("rules/0");
        assertThat(d.reason()).isEqualTo(
            "rate limit of 1/s (burst 3) for tool 'calculator' per profile 'default' reached; retry in 1 s");
        assertThat(d.details()).containsEntry(Decision.LIMIT, true).containsEntry(Decision.RETRY_AFTER_SECONDS, 1L);
    }

    @Test
    void tokensRefillAtTheRateAndRetryAfterIsTheCeilingOfTheWait() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "profile", 0.1, 1)); // one token per 10 s
        assertThat(allowed(rules, Call.of("t"))).isTrue();
        advanceMillis(2_500);
        assertThat(rules.check(Call.of("t")).details()).containsEntry(Decision.RETRY_AFTER_SECONDS, 8L); // 7.5 s
        advanceMillis(7_499);
        assertThat(rules.check(Call.of("t")).details()).containsEntry(Decision.RETRY_AFTER_SECONDS, 1L); // 1 ms
        advanceMillis(1);
        assertThat(allowed(rules, Call.of("t"))).isTrue();
        assertThat(allowed(rules, Call.of("t"))).isFalse();
        // a long pause refills no more than the burst
        advanceMillis(1_000_000);
        assertThat(allowed(rules, Call.of("t"))).isTrue();
        assertThat(allowed(rules, Call.of("t"))).isFalse();
    }

    @Test
    void scopesKeepSeparateBuckets() throws Exception {
        Guardrail.Rules perSession = compile(rule("*", "session", 1, 1));
        assertThat(allowed(perSession, Call.of("t").session("a"))).isTrue();
        assertThat(allowed(perSession, Call.of("t").session("a"))).isFalse();
        assertThat(allowed(perSession, Call.of("t").session("b"))).isTrue();
        // calls without a session share one bucket
        assertThat(allowed(perSession, Call.of("t").session(""))).isTrue();
        Decision none = perSession.check(Call.of("t").session(""));
        assertThat(none.reason()).contains("per session (none)");

        Guardrail.Rules perCaller = compile(rule("*", "caller", 1, 1));
        assertThat(allowed(perCaller, Call.of("t").caller("alice").session("1"))).isTrue();
        assertThat(allowed(perCaller, Call.of("t").caller("alice").session("2"))).isFalse();
        assertThat(perCaller.check(Call.of("t").caller("alice")).reason()).contains("per caller 'alice'");
        assertThat(allowed(perCaller, Call.of("t").caller("bob"))).isTrue();

        Guardrail.Rules perProfile = compile(rule("*", "profile", 1, 1));
        assertThat(allowed(perProfile, Call.of("t").session("x").caller("x"))).isTrue();
        assertThat(allowed(perProfile, Call.of("t").session("y").caller("y"))).isFalse();
    }

    @Test
    void profilesHaveSeparateBucketsForTheSameRule() throws Exception {
        Guardrail.Rules a = guardrail.compile(map("rules", list(rule("*", "profile", 1, 1))), "a");
        Guardrail.Rules b = guardrail.compile(map("rules", list(rule("*", "profile", 1, 1))), "b");
        assertThat(allowed(a, Call.of("t").profile("a"))).isTrue();
        assertThat(allowed(a, Call.of("t").profile("a"))).isFalse();
        assertThat(allowed(b, Call.of("t").profile("b"))).isTrue();
    }

    @Test
    void onlyRulesWhoseGlobMatchesApply() throws Exception {
        Guardrail.Rules rules = compile(rule("http_*", "profile", 1, 1));
        assertThat(allowed(rules, Call.of("http_get"))).isTrue();
        assertThat(allowed(rules, Call.of("http_request"))).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(allowed(rules, Call.of("calculator"))).isTrue();
        }
    }

    @Test
    void aCallRefusedByOneRuleGivesBackTheTokensOthersGaveIt() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "profile", 1, 3), rule("http_*", "profile", 1, 1));
        assertThat(allowed(rules, Call.of("http_get"))).isTrue(); // * has 2 left, http_* 0
        Decision d = rules.check(Call.of("http_get"));
        assertThat(d.rule()).isEqualTo("rules/1");
        // the refused call did not cost a token of '*': two more calls pass
        assertThat(allowed(rules, Call.of("calculator"))).isTrue();
        assertThat(allowed(rules, Call.of("calculator"))).isTrue();
        assertThat(rules.check(Call.of("calculator")).rule()).isEqualTo("rules/0");
    }

    @Test
    void dryRunsConsumeNothingButTellTheTruth() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "profile", 1, 1));
        for (int i = 0; i < 10; i++) {
            assertThat(allowed(rules, Call.of("t").dry())).isTrue();
        }
        assertThat(guardrail.store().size()).isZero();
        assertThat(allowed(rules, Call.of("t"))).isTrue();
        Decision dry = rules.check(Call.of("t").dry());
        assertThat(dry.isLimit()).isTrue();
        assertThat(dry.details()).containsEntry(Decision.RETRY_AFTER_SECONDS, 1L);
        advanceMillis(1_000);
        assertThat(allowed(rules, Call.of("t").dry())).isTrue();
        assertThat(allowed(rules, Call.of("t"))).isTrue();
    }

    @Test
    void aReloadKeepsTheStateOfUnchangedRulesAndStartsChangedOnesFull() throws Exception {
        Map<String, Object> unchanged = rule("*", "session", 1, 2);
        Guardrail.Rules before = compile(unchanged);
        assertThat(allowed(before, Call.of("t"))).isTrue();
        assertThat(allowed(before, Call.of("t"))).isTrue();
        // the same rule, now second in the list and next to a new one: still empty
        Guardrail.Rules after = compile(rule("other", "profile", 1, 1), unchanged);
        assertThat(after.check(Call.of("t")).rule()).isEqualTo("rules/1");
        // a changed rule (burst) is a new bucket
        Guardrail.Rules changed = compile(rule("*", "session", 1, 1));
        assertThat(allowed(changed, Call.of("t"))).isTrue();
        assertThat(allowed(changed, Call.of("t"))).isFalse();
    }

    @Test
    void idleBucketsAreEvictedOnceFullSoMemoryStaysBounded() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "session", 10, 5));
        for (int i = 0; i < BucketStore.SWEEP_EVERY - 1; i++) {
            assertThat(allowed(rules, Call.of("t").session("s" + i))).isTrue();
        }
        assertThat(guardrail.store().size()).isEqualTo(BucketStore.SWEEP_EVERY - 1);
        advanceMillis(50); // s0.. have 4.5 tokens of 5: not full yet
        assertThat(allowed(rules, Call.of("t").session("new-1"))).isTrue(); // the 1024th new key sweeps first
        assertThat(guardrail.store().size()).isEqualTo(BucketStore.SWEEP_EVERY);
        advanceMillis(50); // now full again
        for (int i = 0; i < BucketStore.SWEEP_EVERY; i++) {
            assertThat(allowed(rules, Call.of("t").session("later" + i))).isTrue();
        }
        // the sweep at the 2048th new key dropped the 1023 full buckets "s*"; "new-1" (4.5 tokens) and the
        // 1024 "later*" buckets remain
        assertThat(guardrail.store().size()).isEqualTo(BucketStore.SWEEP_EVERY + 1);
        // an evicted key starts from a full bucket, which is what it had
        for (int i = 0; i < 5; i++) {
            assertThat(allowed(rules, Call.of("t").session("s0"))).isTrue();
        }
        assertThat(allowed(rules, Call.of("t").session("s0"))).isFalse();
    }

    @Test
    void concurrentCallsNeverGetMoreThanTheBurst() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "session", 0.001, 50)); // the clock stands still
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                calls.add(() -> {
                    start.await();
                    return allowed(rules, Call.of("t"));
                });
            }
            List<Future<Boolean>> results = new ArrayList<>();
            for (Callable<Boolean> c : calls) {
                results.add(pool.submit(c));
            }
            start.countDown();
            int allowed = 0;
            for (Future<Boolean> f : results) {
                allowed += f.get() ? 1 : 0;
            }
            assertThat(allowed).isEqualTo(50);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void evictionRacingWithCallsNeverGrantsExtraTokens() throws Exception {
        Guardrail.Rules rules = compile(rule("*", "session", 0.001, 20));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            Future<?> sweeper = pool.submit(() -> {
                while (!stop.get()) {
                    guardrail.store().sweep(nanos.get());
                }
            });
            List<Callable<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                workers.add(() -> {
                    int granted = 0;
                    for (int key = 0; key < 200; key++) {
                        for (int i = 0; i < 10; i++) {
                            granted += allowed(rules, Call.of("t").session("k" + key)) ? 1 : 0;
                        }
                    }
                    return granted;
                });
            }
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(workers)) {
                total += f.get();
            }
            stop.set(true);
            sweeper.get();
            // 6 workers x 10 calls on each of 200 keys = 60 calls per key against a burst of 20
            assertThat(total).isEqualTo(200 * 20);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    @Test
    void compileErrorsNameTheirPath() {
        refused(map("rule", list()), "/rule", "unknown key 'rule'; expected one of rules");
        refused(map("rules", map()), "/rules", "rules must be a list of objects, not an object");
        refused(map("rules", list("x")), "/rules/0", "rules entries must be an object, not a string");
        refused(map("rules", list(map("tool", "*", "per_second", 1, "burst", 1, "limit", 3))), "/rules/0/limit",
            "unknown key 'limit'; expected one of tool, scope, per_second, burst");
        refused(map("rules", list(map("per_second", 1, "burst", 1))), "/rules/0/tool", "required: tool");
        refused(map("rules", list(map("tool", 3, "per_second", 1, "burst", 1))), "/rules/0/tool",
            "tool must be a non-empty string, not a number");
        refused(map("rules", list(rule("*", "task", 1, 1))), "/rules/0/scope",
            "scope must be one of profile, session, caller, not 'task'");
        refused(map("rules", list(map("tool", "*", "burst", 1))), "/rules/0/per_second", "required: per_second");
        refused(map("rules", list(rule("*", "profile", 0, 1))), "/rules/0/per_second", "per_second must be greater than 0");
        refused(map("rules", list(rule("*", "profile", -1, 1))), "/rules/0/per_second", "between 0 and 1000000");
        refused(map("rules", list(rule("*", "profile", "10", 1))), "/rules/0/per_second", "per_second must be a number, not a string");
        refused(map("rules", list(rule("*", "profile", 1, 0))), "/rules/0/burst", "burst must be between 1 and 1000000000, not 0");
        refused(map("rules", list(rule("*", "profile", 1, 1.5))), "/rules/0/burst", "burst must be a whole number, not 1.5");
        refused(map("rules", list(map("tool", "*", "per_second", 1))), "/rules/0/burst", "required: burst");
        refused(map("rules", list(rule("*", "profile", 1, 1), rule("x", "profile", 1, 1), rule("*", "profile", 2, 2))),
            "/rules/2", "a rule for tool '*' per profile is already at /rules/0");
    }

    @Test
    void scopeDefaultsToProfileAndFractionalRatesWork() throws Exception {
        Guardrail.Rules rules = guardrail.compile(map("rules", list(map("tool", "*", "per_second", 0.5, "burst", 1.0))), "p");
        assertThat(allowed(rules, Call.of("t").session("a"))).isTrue();
        Decision d = rules.check(Call.of("t").session("b"));
        assertThat(d.reason()).contains("0.5/s").contains("per profile 'p'");
        assertThat(d.details()).containsEntry(Decision.RETRY_AFTER_SECONDS, 2L);
    }

    private void refused(Map<String, Object> section, String path, String message) {
        assertThatThrownBy(() -> guardrail.compile(section, "default")).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void aChildMayLowerAndAddButNotRaiseOrRemove() throws Exception {
        Guardrail.Rules parent = compile(rule("*", "profile", 10, 20), rule("http_*", "session", 1, 2));
        compile(rule("http_*", "session", 1, 2), rule("*", "profile", 10, 20)).checkTightens(parent);
        compile(rule("*", "profile", 5, 10), rule("http_*", "session", 0.5, 1), rule("x", "caller", 1, 1)).checkTightens(parent);
        loosens(compile(rule("*", "profile", 10, 20)), parent, "/rules",
            "the parent limits tool 'http_*' per session: a profile may add rules, not remove them");
        loosens(compile(rule("*", "profile", 10, 20), rule("http_*", "session", 2, 2)), parent, "/rules/1/per_second",
            "the parent allows 1/s for tool 'http_*' per session: a profile may only lower it, not raise it to 2/s");
        loosens(compile(rule("*", "profile", 10, 21), rule("http_*", "session", 1, 2)), parent, "/rules/0/burst",
            "a profile may only lower it, not raise it to 21");
        // a narrower scope is another rule, not a replacement
        loosens(compile(rule("*", "session", 10, 20), rule("http_*", "session", 1, 2)), parent, "/rules", "per profile");
    }

    private static void loosens(Guardrail.Rules child, Guardrail.Rules parent, String path, String message) {
        assertThatThrownBy(() -> child.checkTightens(parent)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void theParentMustBeARateLimitSection() {
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
