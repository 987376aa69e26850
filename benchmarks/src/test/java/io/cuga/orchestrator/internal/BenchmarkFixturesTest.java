package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.policy.Policy;
import io.cuga.benchmarks.PolicyDocuments;
import io.cuga.policy.internal.PolicyBench;
import io.cuga.policy.internal.ReloadBenchmark;

/**
 * The benchmarks are never run by the build; this checks that what they measure is still what they claim (the
 * documents compile with today's guardrails, the whole chain runs and allows), so a format change breaks the
 * build instead of a benchmark run weeks later.
 */
class BenchmarkFixturesTest {

    @ParameterizedTest
    @CsvSource({"10, 127.0.0.1", "100, 127.0.0.1", "10, localhost", "100, localhost"})
    void everyGuardrailOfTheChainAllowsTheBenchmarkCallMany(int rules, String host) {
        ChainBenchmark bench = new ChainBenchmark();
        bench.rules = rules;
        bench.host = host;
        bench.setUp(); // fails unless a dry run shows allowlist ... approval, each allowing
        try {
            ChainBenchmark.Caller caller = new ChainBenchmark.Caller();
            caller.setUp(0);
            for (int i = 0; i < 10_000; i++) {
                Decision decision = i % 2 == 0 ? bench.latency(caller) : bench.throughput(caller);
                assertThat(decision.verdict()).isEqualTo(Verdict.ALLOW);
            }
            assertThat(caller.guardrailAt).isEqualTo("approval");
        } finally {
            bench.tearDown();
        }
    }

    @Test
    void theLoaderFindsEveryGuardrailOfTheDistribution() {
        try (PolicyBench loader = new PolicyBench()) {
            assertThat(loader.types()).containsExactlyInAnyOrder("allowlist", "schema", "egress", "ratelimit",
                "budget", "approval", "redaction");
        }
    }

    @Test
    void aCallTheChainWouldDenyStopsTheBenchmark() {
        ChainBenchmark bench = new ChainBenchmark();
        bench.rules = 10;
        bench.host = "10.1.2.3"; // an address neither allow_domains nor allow_cidrs admits
        assertThatThrownBy(bench::setUp).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("egress").hasMessageContaining("domain_not_allowed");
        bench.tearDown();
    }

    @Test
    void everyReloadActivatesTheNextVersion() throws Exception {
        ReloadBenchmark bench = new ReloadBenchmark();
        bench.rules = 100;
        bench.setUp();
        try {
            for (long version = 2; version <= 5; version++) {
                Policy policy = bench.reload();
                assertThat(policy.version()).isEqualTo(version);
                assertThat(policy.guardrails()).containsExactlyElementsOf(PolicyDocuments.CHAIN);
            }
            Policy compiled = bench.compile();
            assertThat(compiled.guardrails()).containsExactlyElementsOf(PolicyDocuments.CHAIN);
            assertThat(bench.parse()).isNotNull();
        } finally {
            bench.tearDown();
        }
    }

    @Test
    void theDocumentsHaveTheSizesTheResultsQuote() {
        assertThat(PolicyDocuments.entries(10)).isEqualTo(69);
        assertThat(PolicyDocuments.entries(100)).isEqualTo(546);
        assertThat(PolicyDocuments.yaml(100, "x").lines().count()).isGreaterThan(500);
    }
}
