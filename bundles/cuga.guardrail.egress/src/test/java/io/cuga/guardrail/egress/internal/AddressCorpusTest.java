package io.cuga.guardrail.egress.internal;

import static io.cuga.guardrail.egress.internal.Fixtures.rules;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.net.EgressDeniedException;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.egress.internal.Fixtures.Call;

/**
 * Spellings of addresses a request must not reach, under a policy that allows every host name on http and
 * https and no CIDR. Names resolve from the tests' hosts file (src/test/resources/hosts), never from DNS.
 */
class AddressCorpusTest {

    private static EgressRules everyHost() throws PolicyException {
        return rules("schemes", List.of("http", "https"), "allow_domains", List.of("*"));
    }

    static Stream<Arguments> blocked() {
        return Stream.of(
            // IPv4 in its plain form, every blocked class
            Arguments.of("http://127.0.0.1/", "loopback_address"),
            Arguments.of("http://127.255.255.254:8080/x", "loopback_address"),
            Arguments.of("http://10.1.2.3/", "private_address"),
            Arguments.of("http://172.16.0.1/", "private_address"),
            Arguments.of("http://172.31.255.255/", "private_address"),
            Arguments.of("http://192.168.1.1/", "private_address"),
            Arguments.of("http://100.64.0.1/", "cgnat_address"),
            Arguments.of("http://100.127.255.255/", "cgnat_address"),
            Arguments.of("http://169.254.169.254/latest/meta-data/", "link_local_address"),
            Arguments.of("http://169.254.0.1/", "link_local_address"),
            Arguments.of("http://0.0.0.0/", "unspecified_address"),
            Arguments.of("http://0.1.2.3/", "unspecified_address"),
            Arguments.of("http://224.0.0.1/", "multicast_address"),
            Arguments.of("http://239.255.255.250/", "multicast_address"),
            Arguments.of("http://255.255.255.255/", "broadcast_address"),
            Arguments.of("http://240.0.0.1/", "reserved_address"),
            Arguments.of("http://198.18.0.1/", "reserved_address"),
            Arguments.of("http://192.0.0.170/", "reserved_address"),
            // other spellings of 127.0.0.1: decimal, octal, hex, short forms; Java reads some of them
            // differently from curl and browsers (0177.0.0.1 is 177.0.0.1 to Java), so all are refused
            Arguments.of("http://2130706433/", "ambiguous_address"),
            Arguments.of("http://0177.0.0.1/", "ambiguous_address"),
            Arguments.of("http://0177.0000.0000.0001/", "ambiguous_address"),
            Arguments.of("http://017700000001/", "ambiguous_address"),
            Arguments.of("http://0x7f.1/", "ambiguous_address"),
            Arguments.of("http://0x7f000001/", "ambiguous_address"),
            Arguments.of("http://0x7F.0.0.1/", "ambiguous_address"),
            Arguments.of("http://127.1/", "ambiguous_address"),
            Arguments.of("http://127.0.1/", "ambiguous_address"),
            Arguments.of("http://127.0.0.01/", "ambiguous_address"),
            Arguments.of("http://127.0.0.1.1/", "ambiguous_address"),
            Arguments.of("http://0/", "ambiguous_address"),
            Arguments.of("http://256.0.0.1/", "ambiguous_address"),
            Arguments.of("http://example.123/", "ambiguous_address"),
            // full-width digits and an ideographic full stop normalise (IDN) to 127.0.0.1
            Arguments.of("http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11/", "loopback_address"),
            // IPv6 forms
            Arguments.of("http://[::1]/", "loopback_address"),
            Arguments.of("http://[0:0:0:0:0:0:0:1]:8080/", "loopback_address"),
            Arguments.of("http://[::]/", "unspecified_address"),
            Arguments.of("http://[::ffff:127.0.0.1]/", "loopback_address"),
            Arguments.of("http://[::ffff:7f00:1]/", "loopback_address"),
            Arguments.of("http://[0:0:0:0:0:ffff:7f00:1]/", "loopback_address"),
            Arguments.of("http://[::FFFF:169.254.169.254]/", "link_local_address"),
            Arguments.of("http://[::ffff:a9fe:a9fe]/", "link_local_address"),
            Arguments.of("http://[::ffff:10.0.0.1]/", "private_address"),
            Arguments.of("http://[::127.0.0.1]/", "ipv4_compatible_address"),
            Arguments.of("http://[::7f00:1]/", "ipv4_compatible_address"),
            Arguments.of("http://[::8.8.8.8]/", "ipv4_compatible_address"),
            Arguments.of("http://[64:ff9b::127.0.0.1]/", "loopback_address"),
            Arguments.of("http://[64:ff9b::a9fe:a9fe]/", "link_local_address"),
            Arguments.of("http://[64:ff9b:1::1]/", "nat64_address"),
            Arguments.of("http://[2002:7f00:1::]/", "loopback_address"),
            Arguments.of("http://[2002:c0a8:101::1]/", "private_address"),
            Arguments.of("http://[2001::1]/", "teredo_address"),
            Arguments.of("http://[fe80::1]/", "link_local_address"),
            Arguments.of("http://[FE80::a:b:c:d]/", "link_local_address"),
            Arguments.of("http://[fc00::1]/", "unique_local_address"),
            Arguments.of("http://[fd12:3456:789a::1]/", "unique_local_address"),
            Arguments.of("http://[fec0::1]/", "site_local_address"),
            Arguments.of("http://[ff02::1]/", "multicast_address"),
            Arguments.of("http://[2001:db8::1]/", "reserved_address"),
            Arguments.of("http://[fe80::1%25eth0]/", "invalid_url"),
            Arguments.of("http://[fe80::1%eth0]/", "invalid_url"),
            Arguments.of("http://[::1/", "invalid_url"),
            Arguments.of("http://[::1]x/", "invalid_url"),
            Arguments.of("http://::1/", "invalid_url"),
            Arguments.of("http://[1:2:3:4:5:6:7:8:9]/", "invalid_url"),
            Arguments.of("http://[127.0.0.1]/", "invalid_url"),
            // names, resolved (hosts file): every address must pass
            Arguments.of("http://localhost/", "loopback_address"),
            Arguments.of("http://LOCALHOST:8080/", "loopback_address"),
            Arguments.of("http://localhost./", "loopback_address"),
            Arguments.of("http://LocalHost./admin", "loopback_address"),
            Arguments.of("http://metadata.google.internal/computeMetadata/v1/", "link_local_address"),
            Arguments.of("http://mixed.example.com/", "private_address"),
            Arguments.of("http://nothing.invalid/", "unresolvable_host"),
            // parsing tricks
            Arguments.of("http://api.example.com@127.0.0.1/", "invalid_url"),
            Arguments.of("http://user:pass@api.example.com/", "invalid_url"),
            Arguments.of("http://api.example.com:80@localhost/", "invalid_url"),
            Arguments.of("http://api.example.com\\@localhost/", "invalid_url"),
            Arguments.of("http:\\\\localhost\\", "invalid_url"),
            Arguments.of("http://local host/", "invalid_url"),
            Arguments.of(" http://api.example.com/", "invalid_url"),
            Arguments.of("http://api.example.com/\n", "invalid_url"),
            Arguments.of("http://api.example.com\t/", "invalid_url"),
            Arguments.of("http://api.exa\u0000mple.com/", "invalid_url"),
            Arguments.of("http://api.example.com\u3000/", "invalid_url"),
            Arguments.of("http://api.example.com\u00a0/", "invalid_url"),
            Arguments.of("http://a_b.example.com/", "invalid_url"),
            Arguments.of("http://%6c%6f%63%61%6c%68%6f%73%74/", "invalid_url"),
            Arguments.of("http://api.example.com:0/", "invalid_url"),
            Arguments.of("http://api.example.com:65536/", "invalid_url"),
            Arguments.of("http://api.example.com:/", "invalid_url"),
            Arguments.of("http://api.example.com:8o/", "invalid_url"),
            Arguments.of("http:/api.example.com/", "invalid_url"),
            Arguments.of("http:api.example.com", "invalid_url"),
            Arguments.of("//api.example.com/", "invalid_url"),
            Arguments.of("api.example.com", "invalid_url"),
            Arguments.of("http:///", "invalid_url"),
            Arguments.of("http://../", "invalid_url"),
            Arguments.of("", "invalid_url"),
            // schemes
            Arguments.of("file:///etc/passwd", "scheme_not_allowed"),
            Arguments.of("ftp://api.example.com/", "scheme_not_allowed"),
            Arguments.of("gopher://api.example.com:70/", "scheme_not_allowed"),
            Arguments.of("javascript:alert(1)", "scheme_not_allowed"),
            Arguments.of("jar:http://api.example.com/x.jar!/", "scheme_not_allowed"),
            Arguments.of("ws://api.example.com/", "scheme_not_allowed"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("blocked")
    void isDeniedBeforeDispatch(String url, String rule) throws Exception {
        Decision decision = everyHost().check(Call.of("url", url));
        assertThat(decision.verdict()).isEqualTo(Verdict.DENY);
        assertThat(decision.guardrail()).isEqualTo("egress");
        assertThat(decision.rule()).isEqualTo(rule);
        assertThat(decision.reason()).startsWith("argument 'url': ");
    }

    static Stream<Arguments> allowed() {
        return Stream.of(
            Arguments.of("http://93.184.216.34/"),
            Arguments.of("HTTPS://93.184.216.34:8443/path?q=1#frag"),
            Arguments.of("https://api.example.com"),
            Arguments.of("https://API.Example.COM./x"),
            Arguments.of("https://[2606:2800:220:1:248:1893:25c8:1946]/"),
            Arguments.of("http://[64:ff9b::8.8.8.8]/"),
            Arguments.of("http://[::ffff:93.184.216.34]/"),
            Arguments.of("https://b\u00fccher.example/"),
            Arguments.of("https://8.8.8.8/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowed")
    void publicTargetsPass(String url) throws Exception {
        assertThat(everyHost().check(Call.of("url", url))).isEqualTo(Decision.allow());
    }

    /** The connect-time check judges the address a client resolved, however it got there. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("connectTime")
    void theResolvedAddressIsWhatCounts(String literal, String rule) throws Exception {
        // InetAddress parses each spelling itself (no lookup for a literal); whatever it yields is checked
        InetAddress address = InetAddress.getByName(literal);
        EgressDeniedException e = org.assertj.core.api.Assertions.catchThrowableOfType(EgressDeniedException.class,
            () -> everyHost().checkAddress(null, address));
        assertThat(e).as(literal + " -> " + address).isNotNull();
        assertThat(e.rule()).isEqualTo(rule);
    }

    static Stream<Arguments> connectTime() {
        return Stream.of(
            Arguments.of("2130706433", "loopback_address"),
            Arguments.of("127.1", "loopback_address"),
            Arguments.of("::ffff:127.0.0.1", "loopback_address"),
            Arguments.of("0:0:0:0:0:ffff:7f00:1", "loopback_address"),
            Arguments.of("::127.0.0.1", "ipv4_compatible_address"),
            Arguments.of("::1", "loopback_address"),
            Arguments.of("169.254.169.254", "link_local_address"));
    }

    @Test
    void aJavaOctalSpellingIsJudgedByWhatJavaConnectsTo() throws Exception {
        // Java reads 0177.0.0.1 as 177.0.0.1 (curl as 127.0.0.1): the URL check refuses the spelling, and the
        // connect-time check judges the address Java would actually connect to
        InetAddress address = InetAddress.getByName("0177.0.0.1");
        assertThat(address.getHostAddress()).isEqualTo("177.0.0.1");
        everyHost().checkAddress(null, address);
        assertThat(everyHost().check(Call.of("url", "http://0177.0.0.1/")).rule()).isEqualTo("ambiguous_address");
    }

    @Test
    void aUriTheClientWouldReadDifferentlyIsRefusedAtConnectTime() throws Exception {
        EgressRules rules = everyHost();
        for (String url : List.of("http://127.1/", "http://0x7f.1/", "http://a_b.example.com/", "http://2130706433/",
            "http://api.example.com@127.0.0.1/", "file:///etc/passwd", "http://[fe80::1%25eth0]/")) {
            EgressDeniedException e = org.assertj.core.api.Assertions.catchThrowableOfType(EgressDeniedException.class,
                () -> rules.checkTarget(URI.create(url)));
            assertThat(e).as(url).isNotNull();
        }
        rules.checkTarget(URI.create("https://api.example.com/x?y=1"));
        rules.checkTarget(URI.create("http://[2606:2800:220:1:248:1893:25c8:1946]:8080/"));
    }
}
