package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.policy.PolicyException;

/** The parser keeps where every path is, and refuses what a policy file must not contain, with line and column. */
class YamlTreeTest {

    static final String DOC = """
        profile: default
        guardrails:
          - allowlist
          - schema
        allowlist:
          allow: [calculator, "sample_*"]
          nested:
            deep:
              - {a: 1, "x/y~z": 2}
        """;

    static YamlTree.Parsed parse(String yaml) throws PolicyException {
        return YamlTree.parse(yaml.getBytes(StandardCharsets.UTF_8), "policies/t.yaml");
    }

    static PolicyException error(String yaml) {
        return error(yaml.getBytes(StandardCharsets.UTF_8));
    }

    static PolicyException error(byte[] bytes) {
        PolicyException e = catchThrowableOfType(PolicyException.class, () -> YamlTree.parse(bytes, "policies/t.yaml"));
        assertThat(e).as("a PolicyException").isNotNull();
        assertThat(e.file()).isEqualTo("policies/t.yaml");
        return e;
    }

    static String at(SourceMap sources, String path) {
        SourceMap.Location location = sources.find(path);
        return location.line() + ":" + location.column();
    }

    @Test
    void mapsEveryPathToTheLineAndColumnOfItsKeyOrItem() throws Exception {
        YamlTree.Parsed parsed = parse(DOC);
        SourceMap sources = parsed.sources();
        assertThat(at(sources, "")).isEqualTo("1:1");
        assertThat(at(sources, "/profile")).isEqualTo("1:1");
        assertThat(at(sources, "/guardrails")).isEqualTo("2:1");
        assertThat(at(sources, "/guardrails/0")).isEqualTo("3:5");
        assertThat(at(sources, "/guardrails/1")).isEqualTo("4:5");
        assertThat(at(sources, "/allowlist")).isEqualTo("5:1");
        assertThat(at(sources, "/allowlist/allow")).isEqualTo("6:3");
        assertThat(at(sources, "/allowlist/allow/0")).isEqualTo("6:11");
        assertThat(at(sources, "/allowlist/allow/1")).isEqualTo("6:23");
        assertThat(at(sources, "/allowlist/nested/deep")).isEqualTo("8:5");
        assertThat(at(sources, "/allowlist/nested/deep/0")).isEqualTo("9:9");
        assertThat(at(sources, "/allowlist/nested/deep/0/a")).isEqualTo("9:10");
        assertThat(at(sources, "/allowlist/nested/deep/0/x~1y~0z")).isEqualTo("9:16");
    }

    @Test
    void aPathThatIsNotInTheDocumentIsReportedAtItsNearestAncestor() throws Exception {
        SourceMap sources = parse(DOC).sources();
        assertThat(sources.has("/allowlist/allow/7")).isFalse();
        assertThat(at(sources, "/allowlist/allow/7")).isEqualTo("6:3");
        assertThat(at(sources, "/allowlist/missing/deeper")).isEqualTo("5:1");
        assertThat(at(sources, "/nothing")).isEqualTo("1:1");
        PolicyException located = sources.locate(new PolicyException("/allowlist/nested/deep/0/b", "required"),
            "f.yaml");
        assertThat(located.toString()).isEqualTo("f.yaml:9:9: /allowlist/nested/deep/0/b: required");
    }

    @Test
    @SuppressWarnings("unchecked")
    void keepsValuesAsJsonCompatibleTypesInDocumentOrder() throws Exception {
        Map<String, Object> root = parse("""
            profile: p
            i: 12
            big: 123456789012345678901
            f: 1.5
            t: true
            n: ~
            s: "text"
            e:
            q: ""
            """).root();
        assertThat(root.keySet()).containsExactly("profile", "i", "big", "f", "t", "n", "s", "e", "q");
        assertThat(root.get("i")).isEqualTo(12);
        assertThat(root.get("big")).isEqualTo(new java.math.BigInteger("123456789012345678901"));
        assertThat(root.get("f")).isEqualTo(1.5);
        assertThat(root.get("t")).isEqualTo(true);
        assertThat(root).containsEntry("n", null);
        assertThat(root.get("s")).isEqualTo("text");
        assertThat(root).as("an empty plain value is null").containsEntry("e", null);
        assertThat(root).as("a quoted empty string is a string").containsEntry("q", "");
        List<Object> list = (List<Object>) parse(DOC).root().get("guardrails");
        assertThat(list).containsExactly("allowlist", "schema");
    }

    @Test
    void aDuplicateKeyIsReportedAtItsSecondOccurrence() {
        PolicyException e = error("""
            profile: a
            guardrails: [x]
            allowlist:
              allow: [a]
              allow: [b]
            """);
        assertThat(e.toString()).isEqualTo("policies/t.yaml:5:3: /allowlist/allow: duplicate key 'allow' (first at "
            + "line 4, column 3)");
    }

    @Test
    void syntaxErrorsCarryTheLineAndColumnOfTheProblem() {
        assertThat(error("profile: a\nguardrails: [x\nfoo: 1\n").toString())
            .startsWith("policies/t.yaml:3:4: invalid YAML: while parsing a flow sequence: expected ',' or ']'");
        assertThat(error("a: 1\n  b: 2\n").toString())
            .isEqualTo("policies/t.yaml:2:4: invalid YAML: mapping values are not allowed here");
        assertThat(error("\tprofile: x\n").toString()).startsWith("policies/t.yaml:1:1: invalid YAML: while "
            + "scanning for the next token: found character '\\t(TAB)' that cannot start any token.");
        assertThat(error("a: \"unterminated\n").toString()).isEqualTo("policies/t.yaml:2:1: invalid YAML: while "
            + "scanning a quoted scalar: found unexpected end of stream");
    }

    @Test
    void theRootMustBeOneMapping() {
        assertThat(error("").toString()).isEqualTo("policies/t.yaml:1:1: the document is empty: it needs at least "
            + "'profile' and 'guardrails'");
        assertThat(error("# only a comment\n").line()).isEqualTo(1);
        assertThat(error("- a\n- b\n").toString())
            .isEqualTo("policies/t.yaml:1:1: the document must be a mapping (key: value lines), not a list");
        assertThat(error("\n\nhello\n").toString())
            .isEqualTo("policies/t.yaml:3:1: the document must be a mapping (key: value lines), not a string");
        assertThat(error("profile: a\n---\nprofile: b\n").toString())
            .isEqualTo("policies/t.yaml:3:1: a policy file holds one YAML document; a second one starts here");
    }

    @Test
    void aliasesBinaryAndNonFiniteNumbersAreRefused() {
        assertThat(error("a: &x [1]\nb: *x\n").toString())
            .isEqualTo("policies/t.yaml:2:4: /b: aliases (*x) are not supported: write the value out");
        assertThat(error("a:\n  b: !!binary aGVsbG8=\n").toString())
            .isEqualTo("policies/t.yaml:2:6: /a/b: binary values are not supported");
        assertThat(error("a: [1, .inf]\n").toString())
            .isEqualTo("policies/t.yaml:1:8: /a/1: numbers must be finite, not .inf");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWhereTheyAre() {
        byte[] bytes = "profile: a\nx: ?\n".getBytes(StandardCharsets.UTF_8);
        bytes[14] = (byte) 0xff;
        assertThat(error(bytes).toString()).isEqualTo("policies/t.yaml:2:4: the document is not UTF-8 (byte 14)");
    }

    @Test
    void aByteOrderMarkIsAcceptedAndATooLargeDocumentIsNot() throws Exception {
        YamlTree.Parsed parsed = parse("\uFEFFprofile: a\n");
        assertThat(parsed.root()).containsEntry("profile", "a");
        assertThat(at(parsed.sources(), "/profile")).isEqualTo("1:1");
        byte[] big = new byte[YamlTree.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) '#');
        assertThat(error(big).toString()).isEqualTo("policies/t.yaml:1:1: the document is larger than 1048576 bytes");
    }

    @Test
    void theTreeIsUnmodifiable() throws Exception {
        Map<String, Object> root = parse(DOC).root();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> root.put("x", 1))
            .isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) root.get("guardrails");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> list.add("x"))
            .isInstanceOf(UnsupportedOperationException.class);
    }
}
