package io.cuga.guardrail.approval.internal;

import static io.cuga.guardrail.approval.internal.Yaml.list;
import static io.cuga.guardrail.approval.internal.Yaml.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.RiskTier;

class ApprovalGuardrailTest {

    private final ApprovalGuardrail guardrail = new ApprovalGuardrail();

    private Guardrail.Rules compile(Map<String, Object> section) throws PolicyException {
        return guardrail.compile(section, "default");
    }

    @ParameterizedTest
    @EnumSource(RiskTier.class)
    void byDefaultDeleteAndFinancialNeedAHuman(RiskTier tier) throws Exception {
        Decision d = compile(null).check(Call.of("tool_x").risk(tier));
        boolean needed = tier == RiskTier.DELETE || tier == RiskTier.FINANCIAL;
        if (needed) {
            assertThat(d.verdict()).isEqualTo(Verdict.REQUIRE_APPROVAL);
            assertThat(d.guardrail()).isEqualTo("approval");
            assertThat(d.rule()).isEqualTo("tier:" + tier.name());
            assertThat(d.reason()).isEqualTo("tool 'tool_x' is of risk tier " + tier.name() + ", which needs a human's approval");
            assertThat(d.details()).containsEntry("timeoutSeconds", 300L);
        } else {
            assertThat(d).isEqualTo(Decision.allow());
        }
    }

    @Test
    void tiersAndToolsAreConfigurable() throws Exception {
        Guardrail.Rules rules = compile(map("tiers", list("write", "Delete"), "tools", list("http_*", "send_mail"),
            "timeout_seconds", 60));
        assertThat(rules.check(Call.of("notes").risk(RiskTier.WRITE)).rule()).isEqualTo("tier:WRITE");
        assertThat(rules.check(Call.of("wipe").risk(RiskTier.DELETE)).rule()).isEqualTo("tier:DELETE");
        assertThat(rules.check(Call.of("pay").risk(RiskTier.FINANCIAL)).verdict()).isEqualTo(Verdict.ALLOW);
        Decision byName = rules.check(Call.of("http_get").risk(RiskTier.READ));
        assertThat(byName.verdict()).isEqualTo(Verdict.REQUIRE_APPROVAL);
        assertThat(byName.rule()).isEqualTo("tool:http_*");
        assertThat(byName.reason()).isEqualTo("tool 'http_get' matches 'http_*', which needs a human's approval");
        assertThat(byName.details()).containsEntry("timeoutSeconds", 60L);
        assertThat(rules.check(Call.of("send_mail")).rule()).isEqualTo("tool:send_mail");
        assertThat(rules.check(Call.of("send_mails")).verdict()).isEqualTo(Verdict.ALLOW);
        // an empty tier list: only the tools need a human
        Guardrail.Rules toolsOnly = compile(map("tiers", list(), "tools", list("x")));
        assertThat(toolsOnly.check(Call.of("y").risk(RiskTier.FINANCIAL)).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void timeoutBoundaries() throws Exception {
        assertThat(compile(map("timeout_seconds", 1)).check(Call.of("t").risk(RiskTier.DELETE)).details())
            .containsEntry("timeoutSeconds", 1L);
        assertThat(compile(map("timeout_seconds", 86_400)).check(Call.of("t").risk(RiskTier.DELETE)).details())
            .containsEntry("timeoutSeconds", 86_400L);
        refused(map("timeout_seconds", 0), "/timeout_seconds", "timeout_seconds must be between 1 and 86400, not 0");
        refused(map("timeout_seconds", 86_401), "/timeout_seconds", "timeout_seconds must be between 1 and 86400, not 86401");
    }

    @Test
    void compileErrorsNameTheirPath() {
        refused(map("tier", list()), "/tier", "unknown key 'tier'; expected one of tiers, tools, timeout_seconds");
        refused(map("tiers", "DELETE"), "/tiers", "tiers must be a list of strings, not a string");
        refused(map("tiers", list("DELETE", "NUCLEAR")), "/tiers/1", "unknown risk tier 'NUCLEAR'");
        refused(map("tiers", list(4)), "/tiers/0", "tiers entries must be non-empty strings, not a number");
        refused(map("tools", list("")), "/tools/0", "tools entries must be non-empty strings, not an empty string");
        refused(map("timeout_seconds", "300"), "/timeout_seconds", "timeout_seconds must be a whole number, not a string");
        refused(map("timeout_seconds", 2.5), "/timeout_seconds", "timeout_seconds must be a whole number, not 2.5");
    }

    private void refused(Map<String, Object> section, String path, String message) {
        assertThatThrownBy(() -> compile(section)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void aChildMayOnlyAskForMoreApprovalSooner() throws Exception {
        Guardrail.Rules parent = compile(map("tools", list("file_delete", "pay_*"), "timeout_seconds", 300));
        compile(map("tiers", list("DELETE", "FINANCIAL", "WRITE"), "tools", list("file_*", "pay_*", "x"), "timeout_seconds", 120))
            .checkTightens(parent);
        compile(map("tools", list("*"))).checkTightens(parent);
        loosens(map("tiers", list("DELETE"), "tools", list("file_delete", "pay_*")), parent, "/tiers",
            "the parent requires approval for tier FINANCIAL: a profile may add tiers, not remove them");
        loosens(map("tools", list("file_delete", "pay_out")), parent, "/tools",
            "the parent requires approval for tools matching 'pay_*': a profile may add tools, not remove them");
        loosens(map("tools", list("file_delete", "pay_*"), "timeout_seconds", 301), parent, "/timeout_seconds",
            "the parent waits 300 s for an approval: a profile may only shorten it, not lengthen it to 301 s");
    }

    private void loosens(Map<String, Object> child, Guardrail.Rules parent, String path, String message) {
        assertThatThrownBy(() -> compile(child).checkTightens(parent)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void theParentMustBeAnApprovalSection() {
        assertThatThrownBy(() -> compile(null).checkTightens(new Guardrail.Rules() {
            @Override
            public Decision check(io.cuga.api.guardrail.GuardedCall call) {
                return Decision.allow();
            }

            @Override
            public void checkTightens(Guardrail.Rules parent) {
            }
        })).isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.path()).isEmpty());
    }

    @Test
    void compiledRulesAreSafeForConcurrentCalls() throws Exception {
        Guardrail.Rules rules = compile(map("tools", list("pay_*")));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    int needed = 0;
                    for (int i = 0; i < 10_000; i++) {
                        Call c = i % 2 == 0 ? Call.of("pay_" + i) : Call.of("read_" + i).risk(RiskTier.READ);
                        if (rules.check(c).verdict() == Verdict.REQUIRE_APPROVAL) {
                            needed++;
                        }
                    }
                    return needed;
                });
            }
            for (Future<Integer> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isEqualTo(5_000);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
