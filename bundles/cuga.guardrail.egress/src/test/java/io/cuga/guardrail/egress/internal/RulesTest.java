package io.cuga.guardrail.egress.internal;

import static io.cuga.guardrail.egress.internal.Fixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.net.EgressDeniedException;
import io.cuga.guardrail.egress.internal.Fixtures.Call;

/** Domain lists, CIDRs, outbound arguments and redaction. */
class RulesTest {

    private static String rule(EgressRules rules, String url) {
        return rules.check(Call.of("url", url)).rule();
    }

    @Test
    void domainsMatchExactlyOrAsSubdomainsOnly() throws Exception {
        EgressRules rules = rules("allow_domains", List.of("api.example.com", "*.example.org"));
        assertThat(rule(rules, "https://api.example.com/v1")).isEmpty();
        assertThat(rule(rules, "https://www.example.org/")).isEmpty();
        assertThat(rule(rules, "https://a.b.example.org/")).isEmpty();
        assertThat(rule(rules, "https://example.org/")).isEqualTo("domain_not_allowed");
        assertThat(rule(rules, "https://example.com/")).isEqualTo("domain_not_allowed");
        assertThat(rule(rules, "https://evilexample.org/")).isEqualTo("domain_not_allowed");
        assertThat(rule(rules, "https://api.example.com.evil.example/")).isEqualTo("domain_not_allowed");
        assertThat(rule(rules, "https://93.184.216.34/")).isEqualTo("domain_not_allowed");
    }

    @Test
    void hostNamesCompareCaseInsensitivelyWithoutTrailingDotAndAsIdn() throws Exception {
        EgressRules rules = rules("allow_domains", List.of("API.Example.com.", "b\u00fccher.example"));
        assertThat(rule(rules, "https://api.EXAMPLE.com/")).isEmpty();
        assertThat(rule(rules, "https://api.example.com./")).isEmpty();
        assertThat(rule(rules, "https://xn--bcher-kva.example/")).isEmpty();
        assertThat(rule(rules, "https://B\u00dcCHER.example/")).isEmpty();
        assertThat(rule(rules, "https://api.example.com../")).isEqualTo("invalid_url");
    }

    @Test
    void theDenyListWins() throws Exception {
        EgressRules rules = rules("allow_domains", List.of("*.example.org", "*"), "deny_domains",
            List.of("evil.example.org", "*.internal"));
        assertThat(rule(rules, "https://www.example.org/")).isEmpty();
        Decision denied = rules.check(Call.of("url", "https://EVIL.example.org./x"));
        assertThat(denied.rule()).isEqualTo("domain_denied");
        assertThat(denied.reason()).isEqualTo("argument 'url': https://evil.example.org/x: the host evil.example.org "
            + "is denied by deny_domains entry 'evil.example.org'");
        assertThat(rule(rules, "https://metadata.google.internal/")).isEqualTo("domain_denied");
    }

    @Test
    void anAllowedCidrUnblocksOnlyItsAddresses() throws Exception {
        EgressRules rules = rules("schemes", List.of("http"), "allow_domains", List.of("*"), "allow_cidrs",
            List.of("127.0.0.1/32", "10.0.0.0/8"));
        assertThat(rule(rules, "http://127.0.0.1:8080/")).isEmpty();
        assertThat(rule(rules, "http://[::ffff:127.0.0.1]/")).as("judged by the embedded IPv4 address").isEmpty();
        assertThat(rule(rules, "http://127.0.0.2/")).isEqualTo("loopback_address");
        assertThat(rule(rules, "http://10.200.0.1/")).isEmpty();
        assertThat(rule(rules, "http://192.168.0.1/")).isEqualTo("private_address");
        // localhost is 127.0.0.1 and ::1: every address must pass, and ::1 is not allowed
        assertThat(rule(rules, "http://localhost/")).isEqualTo("loopback_address");
        EgressRules both = rules("schemes", List.of("http"), "allow_domains", List.of("localhost"), "allow_cidrs",
            List.of("127.0.0.0/8", "::1/128"));
        assertThat(rule(both, "http://localhost/")).isEmpty();
    }

    @Test
    void anAddressLiteralPassesTheDomainListsWhenAnAllowedCidrOrALiteralEntryNamesIt() throws Exception {
        EgressRules rules = rules("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
        assertThat(rule(rules, "http://127.0.0.1/")).isEmpty();
        assertThat(rule(rules, "http://localhost/")).isEqualTo("domain_not_allowed");
        assertThat(rule(rules, "http://93.184.216.34/")).isEqualTo("domain_not_allowed");
        EgressRules literal = rules("schemes", List.of("http"), "allow_domains", List.of("93.184.216.34", "2606:2800::1"));
        assertThat(rule(literal, "http://93.184.216.34/")).isEmpty();
        assertThat(rule(literal, "http://[2606:2800:0::1]/")).isEmpty();
        assertThat(rule(literal, "http://93.184.216.35/")).isEqualTo("domain_not_allowed");
    }

    @Test
    void anOutboundEntryThatIsAUrlIsAFixedTargetCheckedBeforeDispatch() throws Exception {
        EgressRules rules = rules("schemes", List.of("http"), "allow_cidrs", List.of("127.0.0.0/8"));
        assertThat(rules.check(Call.declaring(List.of("http://127.0.0.1:8080/api/")))).isEqualTo(Decision.allow());
        Decision denied = rules.check(Call.declaring(List.of("https://127.0.0.1:8080/api/?key=secret")));
        assertThat(denied.rule()).isEqualTo("scheme_not_allowed");
        assertThat(denied.reason()).startsWith("fixed target: https://127.0.0.1:8080/api/?key=REDACTED: the scheme");
        assertThat(denied.details()).containsEntry("target", "https://127.0.0.1:8080/api/?key=REDACTED")
            .doesNotContainKey("argument");
        assertThat(rules.check(Call.declaring(List.of("http://10.0.0.1/"))).rule()).isEqualTo("domain_not_allowed");
        // a fixed target and the arguments are both checked
        assertThat(rules.check(Call.declaring(List.of("http://127.0.0.1/", "url"), "url", "http://10.0.0.1/"))
            .rule()).isEqualTo("domain_not_allowed");
    }

    @Test
    void everyOutboundArgumentIsChecked() throws Exception {
        EgressRules rules = rules("allow_domains", List.of("api.example.com"));
        assertThat(rules.check(Call.of("url", "https://api.example.com/", "other", "http://127.0.0.1/")))
            .as("arguments that are not outbound are not targets").isEqualTo(Decision.allow());
        assertThat(rules.check(Call.of())).isEqualTo(Decision.allow());
        Decision list = rules.check(Call.of("urls", List.of("https://api.example.com/", "https://example.org/")));
        assertThat(list.rule()).isEqualTo("domain_not_allowed");
        assertThat(list.reason()).startsWith("argument 'urls/1': ");
        assertThat(list.details()).containsEntry("argument", "urls/1").containsEntry("url", "https://example.org/");
        assertThat(rules.check(Call.of("urls", List.of("https://api.example.com/", 7))).rule()).isEqualTo("invalid_target");
        assertThat(rules.check(Call.of("url", Map.of("href", "https://api.example.com/"))).rule())
            .isEqualTo("invalid_target");
    }

    @Test
    void reasonsNeverCarryUserInformationOrQueryValues() throws Exception {
        EgressRules rules = rules("schemes", List.of("http"), "allow_domains", List.of("api.example.com"));
        Decision scheme = rules.check(Call.of("url", "https://api.example.com/v1/items?token=s3cret&x=1&sk-999#frag"));
        assertThat(scheme.rule()).isEqualTo("scheme_not_allowed");
        assertThat(scheme.reason()).isEqualTo("argument 'url': https://api.example.com/v1/items?token=REDACTED"
            + "&x=REDACTED&REDACTED: the scheme 'https' is not allowed (allowed: http)");
        assertThat(scheme.details().toString()).doesNotContain("s3cret").doesNotContain("sk-999").doesNotContain("frag");
        Decision userinfo = rules.check(Call.of("url", "http://admin:hunter2@api.example.com/"));
        assertThat(userinfo.rule()).isEqualTo("invalid_url");
        assertThat(userinfo.reason() + userinfo.details()).doesNotContain("hunter2").doesNotContain("admin");
    }

    @Test
    void checkTargetAndCheckAddressAreTheConnectTimeHalves() throws Exception {
        EgressRules rules = rules("schemes", List.of("http", "https"), "allow_domains", List.of("api.example.com"),
            "allow_cidrs", List.of("127.0.0.0/8"));
        rules.checkTarget(URI.create("https://api.example.com/x"));
        assertThat(catchThrowableOfType(EgressDeniedException.class,
            () -> rules.checkTarget(URI.create("https://example.org/"))).rule()).isEqualTo("domain_not_allowed");
        rules.checkAddress("api.example.com", InetAddress.getByName("93.184.216.34"));
        rules.checkAddress("api.example.com", InetAddress.getByName("127.0.0.5"));
        EgressDeniedException e = catchThrowableOfType(EgressDeniedException.class,
            () -> rules.checkAddress("api.example.com", InetAddress.getByAddress(new byte[] {(byte) 169, (byte) 254,
                (byte) 169, (byte) 254})));
        assertThat(e.rule()).isEqualTo("link_local_address");
        assertThat(e.getMessage()).isEqualTo("api.example.com resolves to 169.254.169.254, the cloud metadata address "
            + "(link-local), which egress blocks unless allow_cidrs contains it");
        assertThat(catchThrowableOfType(EgressDeniedException.class,
            () -> rules.checkAddress("example.org", InetAddress.getByName("93.184.216.34"))).rule())
            .as("the host is checked against the lists too").isEqualTo("domain_not_allowed");
        // an IPv4-mapped address built as an Inet6Address is still judged by its IPv4 address
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[13] = (byte) 168;
        mapped[15] = 1;
        InetAddress inet6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertThat(inet6.getAddress()).hasSize(16);
        assertThat(catchThrowableOfType(EgressDeniedException.class, () -> rules.checkAddress(null, inet6)).rule())
            .isEqualTo("private_address");
        assertThat(Addresses.parseLiteral("::ffff:127.0.0.1")).hasSize(16);
    }
}
