package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

class TokenAuthenticatorTest {

    static TokenAuthenticator.Config tokens(String... values) {
        return Configs.of(TokenAuthenticator.Config.class, Map.of("tokens", values));
    }

    static TokenAuthenticator withEnv(Map<String, String> env) {
        return new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class), env, null,
            TokenTable.CONSTANT_TIME);
    }

    static String entry(String principal, String role, String profile, String token) {
        return principal + ":" + role + ":" + profile + ":sha256:" + TokenTable.sha256Hex(token);
    }

    @Test
    void hashesMatchSha256sum() {
        // printf %s abc | sha256sum
        assertThat(TokenTable.sha256Hex("abc"))
            .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void environmentTokensCarryTheirRoles() {
        TokenAuthenticator auth = withEnv(Map.of("AGENT_TOKEN", "a-token", "CUGA_APPROVER_TOKEN", "p-token",
            "CUGA_ADMIN_TOKEN", "d-token"));
        assertThat(auth.authenticate("a-token"))
            .isEqualTo(new Identity("agent", Role.AGENT, "default", "env:AGENT_TOKEN"));
        assertThat(auth.authenticate("p-token").role()).isEqualTo(Role.APPROVER);
        assertThat(auth.authenticate("d-token").role()).isEqualTo(Role.ADMIN);
        assertThat(auth.authenticate("x-token")).isNull();
        assertThat(auth.authenticate("")).isNull();
        assertThat(auth.authenticate(null)).isNull();
    }

    @Test
    void blankEnvironmentValuesAreIgnored() {
        TokenAuthenticator auth = withEnv(Map.of("AGENT_TOKEN", "  ", "CUGA_ADMIN_TOKEN", ""));
        assertThat(auth.table().identities()).isEmpty();
        assertThat(auth.authenticate("  ")).isNull();
    }

    @Test
    void environmentTokensCanBeSwitchedOff() {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class,
            Map.of("environment_tokens", false)), Map.of("AGENT_TOKEN", "a-token"), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("a-token")).isNull();
    }

    @Test
    void environmentTokensMayChooseAnyProfileWhenConfigured() {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class,
            Map.of("env_token_profile", "*")), Map.of("AGENT_TOKEN", "a-token"), null, TokenTable.CONSTANT_TIME);
        Identity agent = auth.authenticate("a-token");
        assertThat(agent.mayUse("finance")).isTrue();
        assertThat(agent.defaultProfile()).isEqualTo("default");
        assertThat(withEnv(Map.of("AGENT_TOKEN", "a-token")).authenticate("a-token").mayUse("finance")).isFalse();
    }

    @Test
    void generatedAdminTokenIsReadFromTheDataDirectory(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("secrets"));
        Files.writeString(data.resolve("secrets/admin.token"), "\ngenerated-admin-token\n");
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class), Map.of(),
            data.toString(), TokenTable.CONSTANT_TIME);
        Identity admin = auth.authenticate("generated-admin-token");
        assertThat(admin.role()).isEqualTo(Role.ADMIN);
        assertThat(admin.principal()).isEqualTo("admin");
        assertThat(admin.source()).startsWith("file:").endsWith("admin.token");
    }

    @Test
    void theEnvironmentAdminTokenWinsOverTheFile(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("secrets"));
        Files.writeString(data.resolve("secrets/admin.token"), "generated-admin-token");
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class),
            Map.of("CUGA_ADMIN_TOKEN", "env-admin"), data.toString(), TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("generated-admin-token")).isNull();
        assertThat(auth.authenticate("env-admin").role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void aMissingOrEmptyAdminFileGivesNoToken(@TempDir Path data) throws Exception {
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class), Map.of(),
            data.toString(), TokenTable.CONSTANT_TIME);
        assertThat(auth.table().identities()).isEmpty();
        Path file = data.resolve("elsewhere.token");
        Files.writeString(file, "\n  \n");
        auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class,
            Map.of("admin_token_file", file.toString())), Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.table().identities()).isEmpty();
        Files.writeString(file, "other-admin");
        auth = new TokenAuthenticator(Configs.of(TokenAuthenticator.Config.class,
            Map.of("admin_token_file", file.toString())), Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("other-admin").role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void configuredEntriesAreCommaSeparatedStrings() {
        // as FileInstall delivers a .cfg value: one string
        TokenAuthenticator auth = new TokenAuthenticator(tokens(entry("alice", "agent", "finance", "alice-t") + ", "
            + entry("bob", "APPROVER", "*", "bob-t") + ",\n  " + entry("carol", "admin", "default", "carol-t")),
            Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("alice-t")).isEqualTo(new Identity("alice", Role.AGENT, "finance", "cuga.auth#1"));
        assertThat(auth.authenticate("bob-t")).isEqualTo(new Identity("bob", Role.APPROVER, "*", "cuga.auth#2"));
        assertThat(auth.authenticate("carol-t").role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void configuredEntriesMayAlsoBeAnArrayAndUppercaseHex() {
        String upper = "dave:agent:default:SHA256:" + TokenTable.sha256Hex("dave-t").toUpperCase();
        TokenAuthenticator auth = new TokenAuthenticator(tokens(upper, entry("erin", "agent", "default", "erin-t")),
            Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("dave-t").principal()).isEqualTo("dave");
        assertThat(auth.authenticate("erin-t").principal()).isEqualTo("erin");
    }

    @Test
    void malformedEntriesAreSkippedAndTheRestKept() {
        String hash = TokenTable.sha256Hex("t");
        TokenAuthenticator auth = new TokenAuthenticator(tokens(
            "too:few:fields",
            "bad:superuser:default:sha256:" + hash,
            "md5:agent:default:md5:" + hash,
            "shorthash:agent:default:sha256:abcdef",
            "nothex:agent:default:sha256:" + "z".repeat(64),
            "bad!name:agent:default:sha256:" + hash,
            "badprofile:agent:fin/ance:sha256:" + hash,
            "extra:agent:default:sha256:" + hash + ":x",
            entry("good", "agent", "default", "good-t")), Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.table().identities()).extracting(Identity::principal).containsExactly("good");
        assertThat(auth.authenticate("t")).isNull();
        assertThat(auth.authenticate("good-t").source()).isEqualTo("cuga.auth#9");
    }

    @Test
    void theSameTokenTwiceKeepsTheFirst() {
        TokenAuthenticator auth = new TokenAuthenticator(tokens(entry("cfg-admin", "admin", "*", "shared")),
            Map.of("AGENT_TOKEN", "shared"), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("shared").principal()).isEqualTo("agent");
        assertThat(auth.table().identities()).hasSize(1);
    }

    @Test
    void modifiedReplacesTheTable() {
        TokenAuthenticator auth = new TokenAuthenticator(tokens(entry("old", "agent", "default", "old-t")),
            Map.of(), null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate("old-t")).isNotNull();
        auth.modified(tokens(entry("new", "agent", "default", "new-t")));
        assertThat(auth.authenticate("old-t")).isNull();
        assertThat(auth.authenticate("new-t").principal()).isEqualTo("new");
    }

    @Test
    void tooLongTokensAreRefusedWithoutHashing() {
        String huge = "x".repeat(TokenTable.MAX_TOKEN_LENGTH + 1);
        TokenAuthenticator auth = new TokenAuthenticator(tokens(entry("huge", "agent", "default", huge)), Map.of(),
            null, TokenTable.CONSTANT_TIME);
        assertThat(auth.authenticate(huge)).isNull();
    }

    @Test
    void theFinalComparisonIsTheConstantTimeOne() {
        List<byte[][]> compared = new ArrayList<>();
        BiPredicate<byte[], byte[]> recording = (a, b) -> {
            compared.add(new byte[][] {a, b});
            return MessageDigest.isEqual(a, b);
        };
        TokenAuthenticator auth = new TokenAuthenticator(tokens(entry("alice", "agent", "default", "alice-t")),
            Map.of(), null, recording);
        assertThat(auth.authenticate("alice-t")).isNotNull();
        assertThat(compared).hasSize(1);
        assertThat(compared.get(0)[1]).isEqualTo(TokenTable.sha256("alice-t"));

        // the comparison decides: a comparator that says "different" refuses even the right token
        TokenAuthenticator refusing = new TokenAuthenticator(tokens(entry("alice", "agent", "default", "alice-t")),
            Map.of(), null, (a, b) -> false);
        assertThat(refusing.authenticate("alice-t")).isNull();
    }

    @Test
    void theActivatedComponentUsesMessageDigestIsEqual() {
        Map<String, String> props = new HashMap<>();
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (self, method, args) -> {
                if (method.getName().equals("getProperty")) {
                    return props.get((String) args[0]);
                }
                throw new UnsupportedOperationException(method.getName());
            });
        TokenAuthenticator auth = new TokenAuthenticator(Configs.defaults(TokenAuthenticator.Config.class), context);
        assertThat(auth.table()).extracting("equality").isSameAs(TokenTable.CONSTANT_TIME);
        byte[] a = TokenTable.sha256("a");
        assertThat(TokenTable.CONSTANT_TIME.test(a, a.clone())).isTrue();
        assertThat(TokenTable.CONSTANT_TIME.test(a, TokenTable.sha256("b"))).isFalse();
    }

    @Test
    void splitEntriesHandlesSeparators() {
        assertThat(TokenAuthenticator.splitEntries(" a , b,,c\n d\te ")).containsExactly("a", "b", "c", "d", "e");
        assertThat(TokenAuthenticator.splitEntries("")).isEmpty();
        assertThat(TokenAuthenticator.splitEntries(null)).isEmpty();
    }

    @Test
    void rolesAreOrdered() {
        assertThat(Role.ADMIN.satisfies(Role.AGENT)).isTrue();
        assertThat(Role.ADMIN.satisfies(Role.APPROVER)).isTrue();
        assertThat(Role.APPROVER.satisfies(Role.AGENT)).isTrue();
        assertThat(Role.APPROVER.satisfies(Role.ADMIN)).isFalse();
        assertThat(Role.AGENT.satisfies(Role.APPROVER)).isFalse();
        assertThat(Role.parse("Admin")).isEqualTo(Role.ADMIN);
        assertThat(Role.parse("root")).isNull();
    }

    @Test
    void namesFollowTheirPatterns() {
        assertThat(Names.isSession("a.B_9:-")).isTrue();
        assertThat(Names.isSession("x".repeat(128))).isTrue();
        assertThat(Names.isSession("x".repeat(129))).isFalse();
        assertThat(Names.isSession("")).isFalse();
        assertThat(Names.isSession("a b")).isFalse();
        assertThat(Names.isProfile("finance-eu.v2")).isTrue();
        assertThat(Names.isProfile("a:b")).isFalse();
        assertThat(Names.isPrincipal("ops@example.org")).isTrue();
        assertThat(Names.isPrincipal("a:b")).isFalse();
    }
}
