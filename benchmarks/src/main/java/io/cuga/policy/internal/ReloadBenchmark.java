package io.cuga.policy.internal;

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

import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyException;
import io.cuga.benchmarks.PolicyDocuments;

/**
 * Reloading a policy document with the loader's own code and the real guardrails:
 * <ul>
 * <li>{@link #reload()}: what the loader does when {@code policies/<profile>.yaml} changed: parse, validate,
 * compile every section with its guardrail on the compile pool under the deadline, and activate the result as
 * the profile's next version (history, atomic swap). Two documents that differ in their description take
 * turns, so every invocation activates.</li>
 * <li>{@link #compile()}: the bytes to an activatable {@link Policy} on the caller's thread, nothing activated
 * (the path of {@code ./cuga policy check}).</li>
 * <li>{@link #parse()}: the YAML parse with locations alone, the first step of both.</li>
 * </ul>
 * The trial set-up activates the first document, as the server does at start, so a single-shot run of
 * {@link #reload()} measures the first reload after start.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms32m", "-Xmx512m", "-Xss512k", "-XX:+UseSerialGC",
    "-XX:MaxMetaspaceSize=192m", "-XX:ReservedCodeCacheSize=64m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReloadBenchmark {

    /** N: the length of every list the chain scans (see {@link PolicyDocuments}). */
    @Param({"10", "100"})
    public int rules;

    private PolicyBench loader;
    private byte[][] documents;
    private int next;

    /** Starts the loader and activates the first document. */
    @Setup(Level.Trial)
    public void setUp() {
        loader = new PolicyBench();
        documents = new byte[][] {PolicyDocuments.policy(rules, "reload benchmark, variant a"),
            PolicyDocuments.policy(rules, "reload benchmark, variant b")};
        loader.load(PolicyDocuments.PROFILE, documents[0]);
        next = 1;
    }

    /** Stops the loader's compile pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        loader.close();
    }

    /** @return the policy activated */
    @Benchmark
    public Policy reload() {
        Policy policy = loader.load(PolicyDocuments.PROFILE, documents[next]);
        next ^= 1;
        return policy;
    }

    /**
     * @return the compiled policy, not activated
     * @throws PolicyException never: the document is valid
     */
    @Benchmark
    public Policy compile() throws PolicyException {
        return loader.compile(PolicyDocuments.PROFILE, documents[1]);
    }

    /**
     * @return the parsed document
     * @throws PolicyException never: the document parses
     */
    @Benchmark
    public Object parse() throws PolicyException {
        return PolicyBench.parse(documents[1]);
    }
}
