package io.cuga.guardrail.egress.internal;

import static io.cuga.guardrail.egress.internal.Fixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/** A profile that extends another may only remove from the allow lists and add to the deny list. */
class TightenTest {

    private final EgressRules parent = rules("schemes", List.of("http", "https"),
        "allow_domains", List.of("api.example.com", "*.example.org", "93.184.216.34"),
        "deny_domains", List.of("evil.example.org"),
        "allow_cidrs", List.of("10.0.0.0/8", "fd00::/8"));

    TightenTest() throws PolicyException {
    }

    private PolicyException loosening(Object... child) {
        return catchThrowableOfType(PolicyException.class, () -> rules(child).checkTightens(parent));
    }

    @Test
    void narrowerListsTighten() throws Exception {
        rules("schemes", List.of("https"), "allow_domains", List.of("api.example.com", "www.example.org",
            "*.a.example.org", "*.example.org"), "deny_domains", List.of("evil.example.org", "more.example.org"),
            "allow_cidrs", List.of("10.1.0.0/16", "fd00::1")).checkTightens(parent);
        rules("deny_domains", List.of("*.example.org")).checkTightens(parent);
        rules("deny_domains", List.of("*")).checkTightens(parent);
        parent.checkTightens(parent);
    }

    @Test
    void addingASchemeLoosens() {
        PolicyException e = catchThrowableOfType(PolicyException.class, () -> rules("schemes", List.of("http", "https"),
            "deny_domains", List.of("evil.example.org")).checkTightens(rules("deny_domains", List.of("evil.example.org"))));
        assertThat(e.path()).isEqualTo("/schemes");
        assertThat(e.getMessage()).contains("allows the scheme 'http'");
    }

    @Test
    void widerDomainsLoosen() {
        assertThat(loosening("allow_domains", List.of("api.example.com", "example.org"), "deny_domains",
            List.of("evil.example.org")).path()).isEqualTo("/allow_domains/1");
        assertThat(loosening("allow_domains", List.of("*.example.com"), "deny_domains", List.of("evil.example.org"))
            .getMessage()).contains("allows '*.example.com'");
        assertThat(loosening("allow_domains", List.of("*"), "deny_domains", List.of("evil.example.org")).path())
            .isEqualTo("/allow_domains/0");
        assertThat(loosening("allow_domains", List.of("93.184.216.35"), "deny_domains", List.of("evil.example.org"))
            .path()).isEqualTo("/allow_domains/0");
    }

    @Test
    void droppingADenyLoosens() {
        PolicyException e = loosening("allow_domains", List.of("api.example.com"), "deny_domains", List.of("x.example.org"));
        assertThat(e.path()).isEqualTo("/deny_domains");
        assertThat(e.getMessage()).contains("'evil.example.org'");
        assertThat(loosening("deny_domains", List.of()).path()).isEqualTo("/deny_domains");
    }

    @Test
    void widerCidrsLoosen() {
        assertThat(loosening("deny_domains", List.of("evil.example.org"), "allow_cidrs", List.of("10.0.0.0/8",
            "127.0.0.0/8")).path()).isEqualTo("/allow_cidrs/1");
        assertThat(loosening("deny_domains", List.of("evil.example.org"), "allow_cidrs", List.of("0.0.0.0/0"))
            .getMessage()).contains("allows 0.0.0.0/0");
        assertThat(loosening("deny_domains", List.of("evil.example.org"), "allow_cidrs", List.of("fc00::/7")).path())
            .isEqualTo("/allow_cidrs/0");
    }

    @Test
    void rulesOfAnotherKindAreRefused() {
        Guardrail.Rules other = new Guardrail.Rules() {
            @Override
            public Decision check(GuardedCall call) {
                return Decision.allow();
            }

            @Override
            public void checkTightens(Guardrail.Rules p) {
            }
        };
        assertThat(catchThrowableOfType(PolicyException.class, () -> parent.checkTightens(other)).getMessage())
            .contains("another egress guardrail");
    }
}
