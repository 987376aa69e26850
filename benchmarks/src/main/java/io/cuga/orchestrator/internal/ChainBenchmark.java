package io.cuga.orchestrator.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.policy.PolicyService;
import io.cuga.benchmarks.PolicyDocuments;
import io.cuga.policy.internal.PolicyBench;

/**
 * The guardrail chain on one call, as the dispatcher runs it for every call: {@link GuardrailChain#run} on the
 * profile's active policy (allowlist, schema, egress on the resolved address of the call's outbound URL,
 * ratelimit, budget, approval), then {@link GuardrailChain.Result#complete} with the outcome of a tool that ran,
 * which settles the budget's reservations. The policy is the YAML of {@link PolicyDocuments}, compiled and
 * activated by the real loader code with the real guardrails. Every measured call must be allowed by every
 * guardrail, or the run fails.
 *
 * <p>Not measured: what the dispatcher does around the chain (registry lookup, the tool's own schema, the
 * bulkhead, the hand-off to the tool pool and the chain's deadline), and the tool.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms32m", "-Xmx512m", "-Xss512k", "-XX:+UseSerialGC",
    "-XX:MaxMetaspaceSize=192m", "-XX:ReservedCodeCacheSize=64m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ChainBenchmark {

    /** N: the length of every list the chain scans (see {@link PolicyDocuments}). */
    @Param({"10", "100"})
    public int rules;

    /**
     * The host of the call's outbound URL: an address literal that an allow_cidrs block admits, or
     * {@code localhost}, which the JDK resolves (from /etc/hosts; cached for 30 s, then looked up again).
     */
    @Param({"127.0.0.1", "localhost"})
    public String host;

    private PolicyBench loader;
    private PolicyService policies;
    private Map<String, Object> arguments;

    /** Compiles and activates the policy, then checks one dry run: every guardrail of the chain allows. */
    @Setup(Level.Trial)
    public void setUp() {
        loader = new PolicyBench();
        loader.load(PolicyDocuments.PROFILE, PolicyDocuments.policy(rules, "benchmark, " + rules + " rules"));
        policies = loader.service();
        arguments = Collections.unmodifiableMap(PolicyDocuments.arguments(host));
        GuardrailChain.Call dry = new GuardrailChain.Call(PolicyDocuments.TOOL, arguments, PolicyDocuments.PROFILE,
            "session-check", "bench", "call-check", "trace-check", true);
        GuardrailChain.Result result = GuardrailChain.run(policies, dry, type -> { });
        List<String> decided = new ArrayList<>();
        for (Decision decision : result.decisions) {
            if (decision.verdict() != Verdict.ALLOW) {
                throw new IllegalStateException("the benchmark policy does not allow the call: " + decision);
            }
            decided.add(decision.guardrail());
        }
        if (!decided.equals(PolicyDocuments.CHAIN)) {
            throw new IllegalStateException("the chain ran " + decided + ", not " + PolicyDocuments.CHAIN);
        }
    }

    /** Stops the loader's compile pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        loader.close();
    }

    /** One caller: its session, trace and call ids, like one agent task calling a tool again and again. */
    @State(Scope.Thread)
    public static class Caller {

        private static final int IDS = 4096;

        private final String[] callIds = new String[IDS];
        private int next;
        private String session;
        private String traceId;
        private CallOutcome ran;
        /** Where the chain is, as the dispatcher keeps it for a timeout message. */
        volatile String guardrailAt = "";

        /** @param thread which benchmark thread this is */
        @Setup(Level.Trial)
        public void setUp(ThreadParams thread) {
            setUp(thread.getThreadIndex());
        }

        void setUp(int index) {
            for (int i = 0; i < IDS; i++) {
                callIds[i] = "call-" + index + "-" + i;
            }
            session = "session-" + index;
            traceId = "0af7651916cd43dd8448eb211c80319" + Integer.toHexString(index & 0xf);
            ran = new CallOutcome(CallOutcome.Status.OK, PolicyDocuments.TOOL.name(), "call", traceId,
                Map.of("status", 200), null, null, Map.of(), Decision.allow(), 1_000_000);
        }

        Decision call(PolicyService policies, Map<String, Object> arguments) {
            String callId = callIds[next++ & (IDS - 1)];
            GuardrailChain.Call call = new GuardrailChain.Call(PolicyDocuments.TOOL, arguments,
                PolicyDocuments.PROFILE, session, "bench", callId, traceId, false);
            GuardrailChain.Result result = GuardrailChain.run(policies, call, type -> guardrailAt = type);
            Decision decision = result.decision;
            result.complete(call, decision, ran);
            if (decision.verdict() != Verdict.ALLOW) {
                throw new IllegalStateException("the chain did not allow the call: " + decision);
            }
            return decision;
        }
    }

    /**
     * @param caller the calling thread's state
     * @return the chain's decision
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Decision throughput(Caller caller) {
        return caller.call(policies, arguments);
    }

    /**
     * @param caller the calling thread's state
     * @return the chain's decision
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Decision latency(Caller caller) {
        return caller.call(policies, arguments);
    }
}
