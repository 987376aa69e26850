package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

/**
 * Validation of whole documents: every kind of top-level error with its exact line and column, guardrails that
 * are missing or misbehave, and {@code extends} with deep merge and the tightening check.
 */
class PolicyCompilerTest {

    final FakeGuardrail allowlist = new FakeGuardrail("allowlist");
    final FakeGuardrail budget = new FakeGuardrail("budget");
    final Catalogs catalog = Catalogs.of(allowlist, budget);

    /** Parents compiled from a map of documents, as the CLI does from sibling files. */
    final class Docs implements PolicyCompiler.Parents {
        final Map<String, String> texts = new HashMap<>();

        Docs with(String profile, String text) {
            texts.put(profile, text);
            return this;
        }

        @Override
        public String extendsOf(String profile) {
            String text = texts.get(profile);
            try {
                return text == null ? null : DocumentHeader.peekParent(YamlTree.parse(bytes(text), profile).root());
            } catch (Exception e) {
                return null;
            }
        }

        @Override
        public PolicyCompiler.Compiled resolve(String profile) throws PolicyCompiler.ParentUnavailable {
            String text = texts.get(profile);
            if (text == null) {
                throw new PolicyCompiler.ParentUnavailable("there is no policy document " + profile + ".yaml");
            }
            try {
                return new PolicyCompiler(catalog, this, Guard.DIRECT).compile(bytes(text), profile + ".yaml",
                    profile);
            } catch (PolicyCompiler.Refused e) {
                throw new PolicyCompiler.ParentUnavailable("its document is invalid: " + e.error());
            }
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    PolicyCompiler.Compiled compile(String text) throws PolicyCompiler.Refused {
        return compile(text, new Docs());
    }

    PolicyCompiler.Compiled compile(String text, Docs docs) throws PolicyCompiler.Refused {
        return new PolicyCompiler(catalog, docs, Guard.DIRECT).compile(bytes(text), "policies/p.yaml", "p");
    }

    PolicyCompiler.Refused refused(String text) {
        return refused(text, new Docs());
    }

    PolicyCompiler.Refused refused(String text, Docs docs) {
        PolicyCompiler.Refused e = catchThrowableOfType(PolicyCompiler.Refused.class, () -> compile(text, docs));
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    String error(String text) {
        return refused(text).error().toString();
    }

    @Test
    void aValidDocumentCompilesEachListedSectionInChainOrder() throws Exception {
        catalog.order("budget", 50);
        PolicyCompiler.Compiled compiled = compile("""
            profile: p
            description: team
            guardrails: [allowlist, budget]
            allowlist:
              allow: [calculator]
            """);
        assertThat(compiled.profile()).isEqualTo("p");
        assertThat(compiled.chain()).containsExactly("budget", "allowlist");
        assertThat(compiled.digest()).startsWith("sha256:").hasSize(7 + 64);
        FakeGuardrail.FakeRules rules = (FakeGuardrail.FakeRules) compiled.rules().get("allowlist");
        assertThat(rules.allow()).containsExactly("calculator");
        assertThat(rules.profile()).isEqualTo("p");
        assertThat(((FakeGuardrail.FakeRules) compiled.rules().get("budget")).section()).isEmpty();
        assertThat(compiled.document()).containsEntry("description", "team").containsEntry("budget", Map.of());
        assertThat(compiled.document().keySet()).containsExactly("profile", "description", "guardrails",
            "allowlist", "budget");
    }

    @Test
    void topLevelErrorsAreReportedWithTheLineAndColumnOfTheKey() {
        assertThat(error("guardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:1:1: missing key 'profile': add 'profile: p'");
        assertThat(error("profile: p\ndescription: x\n")).isEqualTo(
            "policies/p.yaml:1:1: missing key 'guardrails': list the guardrail types this policy needs, for "
                + "example [allowlist, schema]");
        assertThat(error("description: x\nprofile: other\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:1: /profile: profile 'other' does not match the file name: this document is for "
                + "profile 'p'");
        assertThat(error("profile: [p]\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:1:1: /profile: must be the profile name (a string), not a list");
        assertThat(error("profile: p\nextends: 12\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:1: /extends: must be a profile name (a string), not a number");
        assertThat(error("profile: p\nextends: p\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:1: /extends: a profile cannot extend itself");
        assertThat(error("profile: p\nextends: a b\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:1: /extends: 'a b' is not a profile name: 1-64 of A-Z a-z 0-9 . _ -");
        assertThat(error("profile: p\ndescription: {a: 1}\nguardrails: [allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:1: /description: must be a string, not a mapping");
    }

    @Test
    void theGuardrailsListIsCheckedItemByItem() {
        assertThat(error("profile: p\nguardrails: allowlist\n")).isEqualTo(
            "policies/p.yaml:2:1: /guardrails: must be a list of guardrail types, not a string");
        assertThat(error("profile: p\nguardrails: []\n")).isEqualTo(
            "policies/p.yaml:2:1: /guardrails: must name at least one guardrail type (an empty chain would allow "
                + "every call)");
        assertThat(error("profile: p\nguardrails:\n  - allowlist\n  - 7\n")).isEqualTo(
            "policies/p.yaml:4:5: /guardrails/1: must be a guardrail type (a string), not a number");
        assertThat(error("profile: p\nguardrails: [allowlist, Budget]\n")).isEqualTo(
            "policies/p.yaml:2:25: /guardrails/1: 'Budget' is not a guardrail type: 1-64 of a-z 0-9 . _ -, "
                + "starting with a letter");
        assertThat(error("profile: p\nguardrails: [allowlist, budget, allowlist]\n")).isEqualTo(
            "policies/p.yaml:2:33: /guardrails/2: guardrail type 'allowlist' is listed twice");
        assertThat(error("profile: p\nguardrails: [allowlist, profile]\n")).isEqualTo(
            "policies/p.yaml:2:25: /guardrails/1: 'profile' is a key of the document, not a guardrail type");
    }

    @Test
    void unknownKeysUnlistedSectionsAndWrongSectionTypesAreErrors() {
        assertThat(error("profile: p\nguardrails: [allowlist]\nallowlist: {}\nallow_list: {}\n")).isEqualTo(
            "policies/p.yaml:4:1: /allow_list: unknown key 'allow_list'; a policy has profile, extends, description, "
                + "guardrails and one section per listed guardrail type");
        assertThat(error("profile: p\nguardrails: [allowlist]\negress:\n  schemes: [https]\n")).isEqualTo(
            "policies/p.yaml:3:1: /egress: section 'egress' is for guardrail type 'egress', which 'guardrails' does "
                + "not list; list it or remove the section");
        assertThat(error("profile: p\nguardrails: [allowlist]\nbudget: {}\n")).as("an installed type, not listed")
            .startsWith("policies/p.yaml:3:1: /budget: section 'budget' is for guardrail type 'budget'");
        assertThat(error("profile: p\nguardrails: [allowlist]\nallowlist: [a]\n")).isEqualTo(
            "policies/p.yaml:3:1: /allowlist: must be a mapping (the settings of this guardrail type), not a list");
    }

    @Test
    void anEmptySectionMeansDefaults() throws Exception {
        PolicyCompiler.Compiled compiled = compile("profile: p\nguardrails: [allowlist]\nallowlist:\n");
        assertThat(((FakeGuardrail.FakeRules) compiled.rules().get("allowlist")).section()).isEmpty();
    }

    @Test
    void aTypeWithoutAGuardrailIsRefusedAtItsItemInTheList() {
        PolicyCompiler.Refused e = refused("profile: p\nguardrails:\n  - allowlist\n  - egress\n");
        assertThat(e.kind()).isEqualTo(PolicyCompiler.Kind.MISSING_GUARDRAIL);
        assertThat(e.error().toString()).isEqualTo(
            "policies/p.yaml:4:5: /guardrails/1: guardrail type 'egress' is not installed");
    }

    @Test
    void aGuardrailsErrorIsLocatedInItsSection() {
        assertThat(error("""
            profile: p
            guardrails: [allowlist]
            allowlist:
              allow:
                - calculator
                - 42
            """)).isEqualTo("policies/p.yaml:6:7: /allowlist/allow/1: must be a tool name (a string)");
        assertThat(error("profile: p\nguardrails: [allowlist]\nallowlist:\n  allov: [a]\n")).isEqualTo(
            "policies/p.yaml:4:3: /allowlist/allov: unknown key 'allov'");
    }

    @Test
    void aGuardrailThatThrowsHangsOrAnswersNothingRefusesTheDocumentWithoutBreakingTheCompiler() throws Exception {
        String doc = "profile: p\nguardrails: [budget, allowlist]\nallowlist:\n  allow: [a]\n";
        allowlist.mode = FakeGuardrail.Mode.THROW;
        assertThat(error(doc)).isEqualTo("policies/p.yaml:3:1: /allowlist: guardrail 'allowlist' (test allowlist) "
            + "failed while compiling its section: IllegalStateException: boom second line");
        allowlist.mode = FakeGuardrail.Mode.NULL;
        assertThat(error(doc)).isEqualTo("policies/p.yaml:3:1: /allowlist: guardrail 'allowlist' (test allowlist) "
            + "returned no rules for its section");
        budget.mode = FakeGuardrail.Mode.THROW;
        allowlist.mode = FakeGuardrail.Mode.NORMAL;
        assertThat(error(doc)).as("no section: located at the type's item in the list").isEqualTo(
            "policies/p.yaml:2:14: /budget: guardrail 'budget' (test budget) failed while compiling its section: "
                + "IllegalStateException: boom second line");

        budget.mode = FakeGuardrail.Mode.HANG;
        ExecutorService executor = Executors.newCachedThreadPool();
        try {
            long start = System.nanoTime();
            PolicyCompiler.Refused e = catchThrowableOfType(PolicyCompiler.Refused.class,
                () -> new PolicyCompiler(catalog, new Docs(), new Guard(executor, 200)).compile(bytes(doc),
                    "policies/p.yaml", "p"));
            assertThat(e.error().toString()).isEqualTo("policies/p.yaml:2:14: /budget: guardrail 'budget' (test "
                + "budget) did not compile its section within 200 ms");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        } finally {
            budget.hanging.countDown();
            executor.shutdownNow();
        }
    }

    // ---------------------------------------------------------------------------------------------- extends

    static final String BASE = """
        profile: base
        description: the base
        guardrails: [allowlist, budget]
        allowlist:
          allow: [calculator, sample_echo, http_get]
        budget:
          ceiling: 50
        """;

    @Test
    void aChildIsDeepMergedWithItsParentAndCompiledOnTheMergedSections() throws Exception {
        PolicyCompiler.Compiled child = compile("""
            profile: p
            extends: base
            guardrails: [allowlist, budget]
            budget:
              ceiling: 10
            """, new Docs().with("base", BASE));
        assertThat(child.parent()).isEqualTo("base");
        assertThat(child.document()).containsEntry("description", "the base")
            .containsEntry("extends", "base")
            .containsEntry("budget", Map.of("ceiling", 10))
            .containsEntry("allowlist", Map.of("allow", List.of("calculator", "sample_echo", "http_get")));
        assertThat(((FakeGuardrail.FakeRules) child.rules().get("allowlist")).allow())
            .containsExactly("calculator", "sample_echo", "http_get");
        assertThat(((FakeGuardrail.FakeRules) child.rules().get("budget")).ceiling()).isEqualTo(10);
    }

    @Test
    void listsReplaceAndATighterListPasses() throws Exception {
        PolicyCompiler.Compiled child = compile("""
            profile: p
            extends: base
            guardrails: [allowlist, budget]
            allowlist:
              allow: [calculator]
            """, new Docs().with("base", BASE));
        assertThat(((FakeGuardrail.FakeRules) child.rules().get("allowlist")).allow()).containsExactly("calculator");
    }

    @Test
    void aLooseningIsRefusedAtTheKeyThatLoosens() {
        PolicyCompiler.Refused e = refused("""
            profile: p
            extends: base
            guardrails: [allowlist, budget]
            allowlist:
              allow: [calculator, shell]
            budget:
              ceiling: 10
            """, new Docs().with("base", BASE));
        assertThat(e.kind()).isEqualTo(PolicyCompiler.Kind.INVALID);
        assertThat(e.error().toString()).isEqualTo(
            "policies/p.yaml:5:23: /allowlist/allow/1: loosens profile 'base': 'shell' is not allowed by the parent");
        assertThat(refused("""
            profile: p
            extends: base
            guardrails: [allowlist, budget]
            budget:
              ceiling: 51
            """, new Docs().with("base", BASE)).error().toString()).isEqualTo(
            "policies/p.yaml:5:3: /budget/ceiling: loosens profile 'base': ceiling 51 is above the parent's 50");
    }

    @Test
    void aChildMayNotDropATypeItsParentNames() {
        assertThat(refused("profile: p\nextends: base\nguardrails: [allowlist]\n", new Docs().with("base", BASE))
            .error().toString()).isEqualTo("policies/p.yaml:3:1: /guardrails: must keep guardrail type 'budget': "
                + "profile 'base', which this one extends, names it (a profile may only tighten the one it extends)");
    }

    @Test
    void aChildMayAddTypesItsParentDoesNotName() throws Exception {
        PolicyCompiler.Compiled child = compile("profile: p\nextends: small\nguardrails: [allowlist, budget]\n"
            + "budget: {ceiling: 3}\n", new Docs().with("small", "profile: small\nguardrails: [allowlist]\n"
                + "allowlist: {allow: [a]}\n"));
        assertThat(child.chain()).containsExactly("allowlist", "budget");
    }

    @Test
    void missingParentsAndCyclesAreErrorsAtExtends() {
        PolicyCompiler.Refused missing = refused("profile: p\nextends: nowhere\nguardrails: [allowlist]\n");
        assertThat(missing.kind()).isEqualTo(PolicyCompiler.Kind.PARENT);
        assertThat(missing.error().toString()).isEqualTo("policies/p.yaml:2:1: /extends: cannot extend profile "
            + "'nowhere': there is no policy document nowhere.yaml");

        Docs cycle = new Docs().with("a", "profile: a\nextends: b\nguardrails: [allowlist]\n")
            .with("b", "profile: b\nextends: p\nguardrails: [allowlist]\n");
        PolicyCompiler.Refused loop = refused("profile: p\nextends: a\nguardrails: [allowlist]\n", cycle);
        assertThat(loop.kind()).isEqualTo(PolicyCompiler.Kind.INVALID);
        assertThat(loop.error().toString()).isEqualTo("policies/p.yaml:2:1: /extends: extends cycle: p -> a -> b -> p");

        Docs invalidParent = new Docs().with("base", "profile: base\nguardrails: [allowlist]\nbogus: 1\n");
        assertThat(refused("profile: p\nextends: base\nguardrails: [allowlist]\n", invalidParent).error().toString())
            .isEqualTo("policies/p.yaml:2:1: /extends: cannot extend profile 'base': its document is invalid: "
                + "base.yaml:3:1: /bogus: unknown key 'bogus'; a policy has profile, extends, description, "
                + "guardrails and one section per listed guardrail type");
    }

    @Test
    void theDigestIsOfTheBytes() throws Exception {
        String doc = "profile: p\nguardrails: [allowlist]\n";
        assertThat(compile(doc).digest()).isEqualTo(PolicyCompiler.digest(bytes(doc)))
            .isNotEqualTo(compile(doc + "# comment\n").digest());
        assertThat(PolicyCompiler.digest(new byte[0]))
            .isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
