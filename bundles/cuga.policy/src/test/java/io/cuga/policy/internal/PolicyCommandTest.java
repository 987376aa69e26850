package io.cuga.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./cuga policy check}: the same checks as the server, guardrails found with ServiceLoader and typed by
 * their component descriptions, as a guardrail bundle jar on the class path provides them.
 */
class PolicyCommandTest {

    @TempDir
    Path dir;
    ClassLoader guardrails;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** A jar shaped like a guardrail bundle: manifest with Service-Component, DS descriptions, services file. */
    @BeforeEach
    void guardrailJar() throws Exception {
        Path jar = dir.resolve("guardrails.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Service-Component", "OSGI-INF/allowlist.xml,OSGI-INF/schema.xml");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            entry(out, "OSGI-INF/allowlist.xml", component(FakeGuardrail.Allowlist.class.getName(), "allowlist", 100));
            entry(out, "OSGI-INF/schema.xml", component(FakeGuardrail.Schema.class.getName(), "schema", 200));
            entry(out, "META-INF/services/io.cuga.api.guardrail.Guardrail",
                FakeGuardrail.Allowlist.class.getName() + "\n" + FakeGuardrail.Schema.class.getName() + "\n"
                    + FakeGuardrail.class.getName() + "\n");
        }
        guardrails = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader());
        Files.createDirectories(dir.resolve("policies"));
    }

    static String component(String className, String type, int order) {
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%1$s">
              <property name="cuga.guardrail.type" type="String" value="%2$s"/>
              <property name="cuga.guardrail.order" type="Integer" value="%3$d"/>
              <service>
                <provide interface="io.cuga.api.guardrail.Guardrail"/>
              </service>
              <implementation class="%1$s"/>
            </scr:component>
            """.formatted(className, type, order);
    }

    static void entry(JarOutputStream jar, String name, String text) throws Exception {
        jar.putNextEntry(new JarEntry(name));
        jar.write(text.getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
    }

    String policy(String name, String text) throws Exception {
        Path file = dir.resolve("policies").resolve(name);
        Files.writeString(file, text);
        return file.toString();
    }

    int run(String... args) {
        return PolicyCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), guardrails);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** @return standard error without the warning about the undescribed provider the jar lists on purpose */
    String err() {
        return err.toString(StandardCharsets.UTF_8).lines()
            .filter(line -> !line.contains("no component description declares")).reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void validDocumentsExitZero() throws Exception {
        String file = policy("default.yaml", """
            profile: default
            guardrails: [schema, allowlist]
            allowlist:
              allow: [calculator]
            """);
        assertThat(run("check", file)).isZero();
        assertThat(out()).isEqualTo(file + ": ok (profile default, guardrails allowlist, schema)\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void invalidDocumentsExitOneWithFileLineColumnLines() throws Exception {
        String good = policy("default.yaml", "profile: default\nguardrails: [allowlist]\n");
        String bad = policy("ops.yaml", "profile: ops\nguardrails: [allowlist]\nallowlist:\n  allow: [a]\n  deny: x\n");
        String missing = policy("web.yaml", "profile: web\nguardrails: [allowlist, egress]\n");
        assertThat(run("check", good, bad, missing)).isEqualTo(1);
        assertThat(out()).isEqualTo(good + ": ok (profile default, guardrails allowlist)\n");
        assertThat(err()).isEqualTo(bad + ":5:3: /allowlist/deny: unknown key 'deny'\n"
            + missing + ":2:25: /guardrails/1: guardrail type 'egress' is not installed (no Guardrail implementation "
            + "of that type on the class path; a guardrail bundle lists its class in "
            + "META-INF/services/io.cuga.api.guardrail.Guardrail)\n");
    }

    @Test
    void aProviderWithoutAComponentDescriptionIsReportedAsAWarning() throws Exception {
        String file = policy("default.yaml", "profile: default\nguardrails: [allowlist]\n");
        assertThat(run("check", file)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("cuga policy check: warning: "
            + FakeGuardrail.class.getName() + " is listed in META-INF/services/io.cuga.api.guardrail.Guardrail but "
            + "no component description declares its cuga.guardrail.type\n");
    }

    @Test
    void extendsIsResolvedAgainstTheSiblingFiles() throws Exception {
        policy("base.yaml", "profile: base\nguardrails: [allowlist]\nallowlist:\n  allow: [a, b]\n");
        String tight = policy("team.yaml", "profile: team\nextends: base\nguardrails: [allowlist]\nallowlist:\n"
            + "  allow: [a]\n");
        String loose = policy("wide.yaml", "profile: wide\nextends: base\nguardrails: [allowlist]\nallowlist:\n"
            + "  allow: [a, shell]\n");
        String orphan = policy("orphan.yaml", "profile: orphan\nextends: nobody\nguardrails: [allowlist]\n");
        assertThat(run("check", tight, loose, orphan)).isEqualTo(1);
        assertThat(out()).isEqualTo(tight + ": ok (profile team, guardrails allowlist, extends base)\n");
        assertThat(err()).isEqualTo(loose + ":5:14: /allowlist/allow/1: loosens profile 'base': 'shell' is not "
            + "allowed by the parent\n" + orphan + ":2:1: /extends: cannot extend profile 'nobody': there is no policy "
            + "document " + dir.resolve("policies").toAbsolutePath().resolve("nobody.yaml") + "\n");
    }

    @Test
    void theFileNameMustBeTheProfile() throws Exception {
        String file = policy("other.yaml", "profile: default\nguardrails: [allowlist]\n");
        String notYaml = policy("default.yml", "profile: default\nguardrails: [allowlist]\n");
        assertThat(run("check", file, notYaml)).isEqualTo(1);
        assertThat(err()).isEqualTo(file + ":1:1: /profile: profile 'default' does not match the file name: this "
            + "document is for profile 'other'\n" + notYaml + ":1:1: the file name must be <profile>.yaml, the profile "
            + "1-64 of A-Z a-z 0-9 . _ -\n");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        assertThat(run()).isEqualTo(2);
        assertThat(run("validate", "x.yaml")).isEqualTo(2);
        assertThat(run("check")).isEqualTo(2);
        assertThat(run("check", "--strict", "x.yaml")).isEqualTo(2);
        assertThat(run("check", dir.resolve("nope.yaml").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: ./cuga policy check FILE...")
            .contains("cuga policy: unknown command 'validate'").contains("cuga policy check: unknown option '--strict'")
            .contains("cuga policy check: no such file: " + dir.resolve("nope.yaml"));
        assertThat(out()).isEmpty();
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("usage: ./cuga policy check FILE...");
    }

    /** The files shipped in runtime-config/policies pass the top-level checks (their sections need the real bundles). */
    @Test
    void theShippedDefaultAndTheUncommentedTemplateAreValidDocuments() throws Exception {
        Path folder = Path.of("../../runtime-config/policies");
        YamlTree.Parsed shipped = YamlTree.parse(Files.readAllBytes(folder.resolve("default.yaml")), "default.yaml");
        DocumentHeader header = DocumentHeader.read(shipped.root(), "default", java.util.Set.of());
        assertThat(header.guardrails()).contains("allowlist");
        assertThat(header.sections()).containsKey("allowlist");

        StringBuilder uncommented = new StringBuilder();
        boolean inDocument = false;
        for (String line : Files.readAllLines(folder.resolve("profile.yaml.template"))) {
            assertThat(line.isEmpty() || line.startsWith("#")).as("only comments: " + line).isTrue();
            String text = line.replaceFirst("^# ?", "");
            inDocument |= text.startsWith("profile:");
            if (inDocument) {
                uncommented.append(text).append('\n');
            }
        }
        YamlTree.Parsed template = YamlTree.parse(uncommented.toString().getBytes(StandardCharsets.UTF_8), "t");
        DocumentHeader templateHeader = DocumentHeader.read(template.root(), "team-a", java.util.Set.of());
        assertThat(templateHeader.parent()).isEqualTo("default");
        assertThat(templateHeader.sections().keySet()).containsExactlyInAnyOrderElementsOf(DocumentHeader.BUILT_IN_TYPES);
    }
}
