package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;

/** Retry delays and attempts, the failure taxonomy, and both routing strategies. */
class RetryAndRoutingTest {

    @Test
    void exponentialDelaysDoubleUpToTheCapAndJitterOnlyShortensThem() {
        RetryPolicy p = new RetryPolicy(RetryPolicy.Kind.EXPONENTIAL, 5, 100, 500, 0);
        Random r = new Random(1);
        assertThat(List.of(p.delayMillis(1, r), p.delayMillis(2, r), p.delayMillis(3, r), p.delayMillis(4, r)))
            .containsExactly(100L, 200L, 400L, 500L);
        RetryPolicy jittered = new RetryPolicy(RetryPolicy.Kind.EXPONENTIAL, 5, 100, 10_000, 0.5);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            delays.add(jittered.delayMillis(3, r));
        }
        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(200L, 400L));
        assertThat(delays.stream().distinct().count()).isGreaterThan(10);
    }

    @Test
    void linearDelaysGrowByTheBaseAndNoneNeverRetries() {
        RetryPolicy linear = new RetryPolicy(RetryPolicy.Kind.LINEAR, 3, 150, 10_000, 0);
        Random r = new Random(2);
        assertThat(List.of(linear.delayMillis(1, r), linear.delayMillis(2, r))).containsExactly(150L, 300L);
        assertThat(linear.allowsAnother(2)).isTrue();
        assertThat(linear.allowsAnother(3)).isFalse();
        RetryPolicy none = new RetryPolicy(RetryPolicy.Kind.NONE, 5, 100, 100, 0);
        assertThat(none.maxAttempts()).isEqualTo(1);
        assertThat(none.allowsAnother(1)).isFalse();
        assertThat(new RetryPolicy(RetryPolicy.Kind.EXPONENTIAL, 99, 1, 1, 0).maxAttempts()).isEqualTo(10);
        assertThatThrownBy(() -> RetryPolicy.Kind.parse("forever")).hasMessageContaining("none, linear, exponential");
    }

    @Test
    void policyAndUserFailuresAreNeverRetriedTimeoutsAnd503sAre() {
        assertThat(Failures.of(Status.DENIED).retryable()).isFalse();
        assertThat(Failures.of(Status.LIMITED).retryable()).isFalse();
        assertThat(Failures.of(Status.INVALID_ARGUMENTS).retryable()).isFalse();
        assertThat(Failures.of(Status.NOT_FOUND).retryable()).isFalse();
        assertThat(Failures.of(Status.TOOL_ERROR).retryable()).isFalse();
        assertThat(Failures.of(Status.TIMEOUT)).isEqualTo(Failures.TOOL);
        assertThat(Failures.of(Status.TIMEOUT).retryable()).isTrue();
        assertThat(Failures.of(Status.UNAVAILABLE).retryable()).isTrue();
        assertThat(Failures.of(Status.OVERLOADED).retryable()).isTrue();
        assertThatThrownBy(() -> Failures.of(Status.OK)).isInstanceOf(IllegalArgumentException.class);
    }

    private static ToolDescriptor tool(String name, RiskTier risk, String bundle) {
        return new ToolDescriptor(name, "", "{\"type\":\"object\"}", risk, List.of(), 0, bundle, "1.0.0");
    }

    @Test
    void roundRobinTakesTheWorkersInTurn() {
        Coordinator c = new Coordinator(Coordinator.Strategy.ROUND_ROBIN, List.of("a", "b", "c"), List.of());
        ToolDescriptor calc = tool("calculator", RiskTier.READ, "cuga.tool.calculator");
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chosen.add(c.route(calc).worker());
        }
        assertThat(chosen).containsExactly("a", "b", "c", "a");
        Coordinator.Route r = c.route(calc);
        assertThat(r.alternatives()).doesNotContain(r.worker()).hasSize(2);
        assertThat(r.reason()).contains("round robin");
    }

    @Test
    void capabilityRoutingMatchesTierBundleOrToolAndFallsBackVisibly() {
        Coordinator c = new Coordinator(Coordinator.Strategy.CAPABILITY, List.of("reader", "web", "risky"),
            List.of("reader=READ", "web=bundle:cuga.tool.http", "risky=DELETE,FINANCIAL,tool:wire_money"));
        assertThat(c.route(tool("calculator", RiskTier.READ, "cuga.tool.calculator")).worker()).isEqualTo("reader");
        Coordinator.Route web = c.route(tool("http_request", RiskTier.WRITE, "cuga.tool.http"));
        assertThat(web.worker()).isEqualTo("web");
        assertThat(web.reason()).contains("bundle:cuga.tool.http");
        assertThat(c.route(tool("wire_money", RiskTier.WRITE, "x")).worker()).isEqualTo("risky");
        Coordinator.Route fallback = c.route(tool("odd", RiskTier.EXTERNAL, "y"));
        assertThat(fallback.reason()).contains("fell back to round robin");
        assertThat(fallback.confidence()).isLessThan(1.0);
        assertThatThrownBy(() -> new Coordinator(Coordinator.Strategy.CAPABILITY, List.of("a"),
            List.of("ghost=READ"))).hasMessageContaining("ghost");
    }
}
