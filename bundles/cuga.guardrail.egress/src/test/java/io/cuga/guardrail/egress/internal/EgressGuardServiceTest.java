package io.cuga.guardrail.egress.internal;

import static io.cuga.guardrail.egress.internal.Fixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.net.EgressDeniedException;
import io.cuga.guardrail.egress.internal.Fixtures.Policies;
import io.cuga.guardrail.egress.internal.Fixtures.TestPolicy;

/** The connect-time guard: the rules of the profile's active policy, and nothing at all without them. */
class EgressGuardServiceTest {

    private static final URI API = URI.create("https://api.example.com/v1?key=s3cret");

    private static String denial(EgressGuardService guard, String profile) {
        EgressDeniedException e = catchThrowableOfType(EgressDeniedException.class, () -> guard.checkTarget(profile, API));
        assertThat(e).isNotNull();
        EgressDeniedException address = catchThrowableOfType(EgressDeniedException.class,
            () -> guard.checkAddress(profile, "api.example.com", InetAddress.getByName("93.184.216.34")));
        assertThat(address.rule()).isEqualTo(e.rule());
        return e.rule() + ": " + e.getMessage();
    }

    @Test
    void withoutAPolicyServiceNothingConnects() {
        assertThat(denial(new EgressGuardService(), "default"))
            .isEqualTo("no_policy: no policy service is running, so nothing may connect");
    }

    @Test
    void aProfileWithoutAnActivePolicyConnectsNowhere() {
        assertThat(denial(new EgressGuardService(new Policies(Map.of())), "default"))
            .isEqualTo("no_policy: the profile 'default' has no active policy, so nothing may connect");
    }

    @Test
    void aPolicyThatDoesNotNameEgressConnectsNowhere() {
        EgressGuardService guard = new EgressGuardService(new Policies(Map.of("default",
            new TestPolicy("default", Map.of()))));
        assertThat(denial(guard, "default")).isEqualTo("egress_not_in_policy: the policy of profile 'default' does not "
            + "name the egress guardrail, so nothing may connect");
    }

    @Test
    void theProfilesOwnRulesDecide() throws Exception {
        EgressGuardService guard = new EgressGuardService(new Policies(Map.of(
            "default", new TestPolicy("default", Map.of("egress", rules("allow_domains", List.of("api.example.com")))),
            "strict", new TestPolicy("strict", Map.of("egress", rules())))));
        guard.checkTarget("default", API);
        guard.checkAddress("default", "api.example.com", InetAddress.getByName("93.184.216.34"));
        EgressDeniedException metadata = catchThrowableOfType(EgressDeniedException.class,
            () -> guard.checkAddress("default", "api.example.com", InetAddress.getByName("169.254.169.254")));
        assertThat(metadata.rule()).isEqualTo("link_local_address");
        EgressDeniedException strict = catchThrowableOfType(EgressDeniedException.class,
            () -> guard.checkTarget("strict", API));
        assertThat(strict.rule()).isEqualTo("domain_not_allowed");
        assertThat(strict.getMessage()).isEqualTo("https://api.example.com/v1?key=REDACTED: the host api.example.com is "
            + "not allowed (allow_domains is empty: nothing is allowed)");
        assertThat(denial(guard, "other")).startsWith("no_policy: ");
    }
}
