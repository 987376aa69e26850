package io.cuga.guardrail.egress.internal;

import static io.cuga.guardrail.egress.internal.Fixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.egress.internal.Fixtures.Call;

/** The egress section: its keys, types, defaults, and errors that name the JSON-pointer path. */
class CompileTest {

    private static PolicyException error(Object... keysAndValues) {
        return catchThrowableOfType(PolicyException.class, () -> rules(keysAndValues));
    }

    @Test
    void anEmptySectionAllowsNothing() throws Exception {
        EgressRules empty = (EgressRules) new EgressGuardrail().compile(Map.of(), "default");
        assertThat(empty.check(Call.of("url", "https://api.example.com/")).rule()).isEqualTo("domain_not_allowed");
        assertThat(empty.check(Call.of("url", "https://api.example.com/")).reason())
            .contains("allow_domains is empty: nothing is allowed");
    }

    @Test
    void theDefaultSchemeListIsHttpsOnly() throws Exception {
        EgressRules rules = rules("allow_domains", List.of("api.example.com"));
        assertThat(rules.check(Call.of("url", "https://api.example.com/")).verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(rules.check(Call.of("url", "http://api.example.com/")).rule()).isEqualTo("scheme_not_allowed");
        EgressRules none = rules("allow_domains", List.of("api.example.com"), "schemes", List.of());
        assertThat(none.check(Call.of("url", "https://api.example.com/")).rule()).isEqualTo("scheme_not_allowed");
    }

    @Test
    void unknownKeysAreRefusedWithTheirPath() {
        PolicyException e = error("allow_domain", List.of("x.example"));
        assertThat(e.path()).isEqualTo("/allow_domain");
        assertThat(e.getMessage()).contains("unknown key 'allow_domain'");
        assertThat(error("a/b~c", 1).path()).isEqualTo("/a~1b~0c");
    }

    @Test
    void wrongTypesAreRefusedWithTheirPath() {
        assertThat(error("allow_domains", "api.example.com").path()).isEqualTo("/allow_domains");
        assertThat(error("allow_domains", "api.example.com").getMessage())
            .isEqualTo("expected a list of strings (use [] for none), found a string");
        assertThat(error("deny_domains", List.of("ok.example", 42)).path()).isEqualTo("/deny_domains/1");
        assertThat(error("schemes", Map.of("a", 1)).path()).isEqualTo("/schemes");
        assertThat(error("allow_cidrs", null).path()).isEqualTo("/allow_cidrs");
        assertThat(error("allow_cidrs", List.of(List.of("10.0.0.0/8"))).path()).isEqualTo("/allow_cidrs/0");
        assertThat(error("allow_domains", List.of("")).path()).isEqualTo("/allow_domains/0");
    }

    @Test
    void onlyHttpAndHttpsCanBeAllowed() {
        PolicyException e = error("schemes", List.of("https", "ftp"));
        assertThat(e.path()).isEqualTo("/schemes/1");
        assertThat(e.getMessage()).contains("'ftp' cannot be allowed");
    }

    @Test
    void cidrsAreCheckedStrictly() {
        assertThat(error("allow_cidrs", List.of("not-a-cidr")).path()).isEqualTo("/allow_cidrs/0");
        assertThat(error("allow_cidrs", List.of("10.0.0.0/8", "127.0.0.1/8")).getMessage())
            .contains("did you mean 127.0.0.0/8?");
        assertThat(error("allow_cidrs", List.of("10.0.0.0/8", "127.0.0.1/8")).path()).isEqualTo("/allow_cidrs/1");
        assertThat(error("allow_cidrs", List.of("10.0.0.0/33")).getMessage()).contains("expected 0 to 32");
        assertThat(error("allow_cidrs", List.of("fd00::/129")).getMessage()).contains("expected 0 to 128");
        assertThat(error("allow_cidrs", List.of("0177.0.0.1/32")).path()).isEqualTo("/allow_cidrs/0");
        assertThat(error("allow_cidrs", List.of("localhost")).path()).isEqualTo("/allow_cidrs/0");
        assertThat(error("allow_cidrs", List.of("fe80::1%eth0/128")).path()).isEqualTo("/allow_cidrs/0");
    }

    @Test
    void domainPatternsAreCheckedStrictly() {
        assertThat(error("allow_domains", List.of("ok.example", "foo.*.example")).path()).isEqualTo("/allow_domains/1");
        assertThat(error("allow_domains", List.of("*example.org")).getMessage()).contains("a wildcard may only be");
        assertThat(error("deny_domains", List.of("bad host.example")).path()).isEqualTo("/deny_domains/0");
        assertThat(error("allow_domains", List.of("*.127.0.0.1")).path()).isEqualTo("/allow_domains/0");
        assertThat(error("allow_domains", List.of("0x7f.1")).getMessage()).contains("numeric host");
    }

    @Test
    void theComponentIsAGuardrailOfTypeEgressAtOrder300() throws Exception {
        String xml = java.nio.file.Files.readString(java.nio.file.Path.of(
            "target/classes/OSGI-INF/io.cuga.guardrail.egress.internal.EgressGuardrail.xml"));
        assertThat(xml).contains("<provide interface=\"" + Guardrail.class.getName() + "\"/>")
            .contains("<property name=\"" + Guardrail.TYPE + "\" type=\"String\" value=\"egress\"/>")
            .contains("<property name=\"" + Guardrail.ORDER + "\" type=\"Integer\" value=\"300\"/>");
        String guard = java.nio.file.Files.readString(java.nio.file.Path.of(
            "target/classes/OSGI-INF/io.cuga.guardrail.egress.internal.EgressGuardService.xml"));
        assertThat(guard).contains("<provide interface=\"io.cuga.api.net.EgressGuard\"/>")
            .contains("interface=\"io.cuga.api.policy.PolicyService\"").contains("cardinality=\"0..1\"")
            .contains("policy=\"dynamic\"").contains("policy-option=\"greedy\"");
    }
}
