package io.cuga.launcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolverTest {

    @TempDir
    Path work;
    Path config;
    Schema schema;

    @BeforeEach
    void setUp() throws IOException {
        config = Files.createDirectories(work.resolve("runtime-config"));
        schema = new Schema()
                .add("cuga.dispatcher", "default.timeout.millis", "Long", 0, "30000")
                .add("cuga.dispatcher", "pool.threads", "Integer", 0, "128")
                .add("cuga.allowlist", "tools", "String", Integer.MAX_VALUE, "")
                .add("cuga.allowlist", "bundles", "String", Integer.MAX_VALUE, "")
                .add("cuga.http", "max.body.bytes", "Long", 0, "1000")
                .add("cuga.http.events", "heartbeat.millis", "Long", 0, "15000")
                .add("cuga.model.openai", "model", "String", 0, "")
                .add("cuga.model.openai", "api.key", "Password", 0, "")
                .add("cuga.store", "backend", "String", 0, "sqlite");
    }

    private Resolved resolve(Map<String, String> env, String... sets) {
        return Resolver.resolve(new Resolver.Inputs(config, work, env, List.of(sets)), schema, true);
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(config.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void commandLineBeatsEnvironmentBeatsDotenvBeatsYamlBeatsTomlBeatsCfgBeatsDefault() throws IOException {
        write("cuga.dispatcher.cfg", "# comment\ndefault.timeout.millis = 1\n");
        write("cuga.toml", "[cuga.dispatcher]\ndefault.timeout.millis = 2\n");
        write("cuga.yaml", "cuga:\n  dispatcher:\n    default.timeout.millis: 3\n");
        Files.writeString(work.resolve(".env"), "CUGA__DISPATCHER__DEFAULT__TIMEOUT__MILLIS=4\n");
        Map<String, String> env = Map.of("CUGA__DISPATCHER__DEFAULT__TIMEOUT__MILLIS", "5");
        String key = "cuga.dispatcher.default.timeout.millis";

        assertThat(resolve(env, key + "=6").get(key).value()).isEqualTo("6");
        Resolved r = resolve(env);
        assertThat(r.problems()).isEmpty();
        assertThat(r.get(key).value()).isEqualTo("5");
        assertThat(r.get(key).provenance()).isEqualTo("environment CUGA__DISPATCHER__DEFAULT__TIMEOUT__MILLIS");
        assertThat(r.chain(key)).extracting(Resolved.Entry::layer).containsExactly(Layer.DEFAULT, Layer.CFG,
                Layer.TOML, Layer.YAML, Layer.DOTENV, Layer.ENV);
        assertThat(r.chain(key).get(1).source()).isEqualTo(config.resolve("cuga.dispatcher.cfg") + ":2");
        assertThat(r.chain(key).get(2).source()).isEqualTo(config.resolve("cuga.toml") + ":2");
        assertThat(r.chain(key).get(3).source()).isEqualTo(config.resolve("cuga.yaml") + ":3");
        assertThat(r.chain(key).get(4).source()).endsWith(".env:1");
        Files.delete(work.resolve(".env"));
        assertThat(resolve(Map.of()).get(key).value()).isEqualTo("3");
        Files.delete(config.resolve("cuga.yaml"));
        assertThat(resolve(Map.of()).get(key).value()).isEqualTo("2");
        Files.delete(config.resolve("cuga.toml"));
        assertThat(resolve(Map.of()).get(key).value()).isEqualTo("1");
        Files.delete(config.resolve("cuga.dispatcher.cfg"));
        assertThat(resolve(Map.of()).get(key).provenance()).isEqualTo("default");
    }

    @Test
    void mapsMergeDeeplyAndListsReplaceWhole() throws IOException {
        write("cuga.toml", """
                [cuga.dispatcher]
                pool.threads = 8
                default.timeout.millis = 100
                [cuga.allowlist]
                tools = ["a", "b", "c"]
                """);
        write("cuga.yaml", "cuga:\n  dispatcher:\n    pool.threads: 16\n  allowlist:\n    tools: [x]\n");
        Resolved r = resolve(Map.of());
        assertThat(r.get("cuga.dispatcher.pool.threads").value()).isEqualTo("16");
        assertThat(r.get("cuga.dispatcher.default.timeout.millis").value()).isEqualTo("100"); // sibling kept
        assertThat(r.get("cuga.allowlist.tools").value()).isEqualTo(List.of("x"));
        assertThat(r.overlay().get("cuga.allowlist")).containsEntry("tools", new String[] {"x"});
        assertThat(r.overlay().get("cuga.dispatcher")).containsEntry("pool.threads", "16")
                .containsEntry("default.timeout.millis", "100");
    }

    @Test
    void environmentNamesMapWithDoubleUnderscoresAndOthersAreIgnored() {
        assertThat(Resolver.envKey("AGENT__LLM__MODEL")).isEqualTo("agent.llm.model");
        assertThat(Resolver.envKey("CUGA__STORE__BACKEND")).isEqualTo("cuga.store.backend");
        assertThat(Resolver.envKey("AGENT__LLM__API_KEY")).isEqualTo("agent.llm.api_key");
        assertThat(Resolver.envKey("CUGA_ADMIN_TOKEN")).isNull();
        assertThat(Resolver.envKey("AGENT_TOKEN")).isNull();
        assertThat(Resolver.envKey("PATH")).isNull();
        Resolved r = resolve(Map.of("AGENT__LLM__MODEL", "gpt-x", "CUGA_ADMIN_TOKEN", "t", "HOME", "/root"));
        assertThat(r.problems()).isEmpty();
        assertThat(r.get("agent.llm.model").value()).isEqualTo("gpt-x");
        assertThat(r.get("cuga.model.openai.model").provenance()).isEqualTo("environment AGENT__LLM__MODEL");
        assertThat(r.overlay().get("cuga.model.openai")).containsEntry("model", "gpt-x");
    }

    @Test
    void unknownKeysAndWrongTypesAreReportedWithTheirSource() throws IOException {
        write("cuga.yaml", "cuga:\n  dispatcher:\n    pool.threads: many\n  stor:\n    backend: x\n");
        Resolved r = resolve(Map.of("CUGA__DISPATCHER__NOPE", "1"), "cuga.http.max.body.bytes=[1]",
                "cuga.allowlist.tools=calculator");
        assertThat(r.problems()).extracting(Object::toString).containsExactlyInAnyOrder(
                "yaml " + config.resolve("cuga.yaml") + ":3: cuga.dispatcher.pool.threads: expects a whole number"
                        + " (Integer), not 'many'",
                "yaml " + config.resolve("cuga.yaml") + ":5: cuga.stor.backend: unknown key (no component PID"
                        + " starts it; see ./cuga config explain for the known keys)",
                "environment CUGA__DISPATCHER__NOPE: cuga.dispatcher.nope: unknown key: PID cuga.dispatcher has no"
                        + " property 'nope'",
                "command line --set cuga.http.max.body.bytes: cuga.http.max.body.bytes: expects a whole number"
                        + " (Long), not '[1]'");
        assertThat(r.get("cuga.dispatcher.pool.threads").value()).isEqualTo("128"); // refused value not taken
        assertThat(r.get("cuga.allowlist.tools").value()).isEqualTo("calculator");
        write("cuga.yaml", "cuga.dispatcher.pool.threads: [1, 2]\n");
        assertThat(resolve(Map.of()).problems()).extracting(Object::toString)
                .containsExactly("yaml " + config.resolve("cuga.yaml") + ":1: cuga.dispatcher.pool.threads: expects"
                        + " a whole number (Integer), not a list");
    }

    @Test
    void theLongestKnownPidWins() throws IOException {
        write("cuga.yaml", "cuga.http.events.heartbeat.millis: 5\ncuga.http.max.body.bytes: 6\n");
        Resolved r = resolve(Map.of());
        assertThat(r.problems()).isEmpty();
        assertThat(r.overlay().get("cuga.http.events")).containsOnly(Map.entry("heartbeat.millis", "5"));
        assertThat(r.overlay().get("cuga.http")).containsOnly(Map.entry("max.body.bytes", "6"));
    }

    @Test
    void brokenFilesAreProblemsNotExceptions() throws IOException {
        write("cuga.yaml", "cuga: [unclosed\n");
        write("cuga.toml", "[cuga\n");
        assertThat(resolve(Map.of()).problems()).extracting(Resolved.Problem::source)
                .containsExactlyInAnyOrder(config.resolve("cuga.yaml").toString(), config.resolve("cuga.toml")
                        .toString());
    }

    @Test
    void dotenvBesideTheConfigFolderLosesToTheWorkingDirectorys() throws IOException {
        Path cwd = Files.createDirectories(work.resolve("elsewhere"));
        Files.writeString(work.resolve(".env"), "# beside runtime-config\nCUGA__STORE__BACKEND=postgres\n"
                + "AGENT__LLM__MODEL='m1'\nAGENT_TOKEN=not-a-key\n");
        Files.writeString(cwd.resolve(".env"), "export cuga.store.backend=\"sqlite\"\n");
        Resolved r = Resolver.resolve(new Resolver.Inputs(config, cwd, Map.of(), List.of()), schema, true);
        assertThat(r.problems()).isEmpty();
        assertThat(r.get("cuga.store.backend").value()).isEqualTo("sqlite");
        assertThat(r.get("cuga.store.backend").source()).isEqualTo(cwd.resolve(".env").toRealPath() + ":1");
        assertThat(r.get("agent.llm.model").value()).isEqualTo("m1");
    }

    @Test
    void secretsAreMaskedByNameOrPasswordType() {
        Resolved r = resolve(Map.of("AGENT__LLM__API_KEY", "sk-123", "AGENT__LLM__MODEL", "m"));
        assertThat(r.secret("agent.llm.api_key")).isTrue();
        assertThat(r.get("agent.llm.api_key").shown(true)).isEqualTo("****");
        assertThat(r.secret("cuga.model.openai.model")).isFalse();
        assertThat(Schema.secretKey("cuga.auth.tokens")).isTrue();
        assertThat(Schema.secretKey("cuga.model.openai.api.key")).isTrue();
        assertThat(Schema.secretKey("agent.llm.api_key")).isTrue();
        assertThat(Schema.secretKey("cuga.store.postgres.password")).isTrue();
        assertThat(Schema.secretKey("cuga.dispatcher.pool.threads")).isFalse();
        // what only names where a secret is, or is not one
        assertThat(Schema.secretKey("cuga.store.postgres.password.file")).as("a path").isFalse();
        assertThat(Schema.secretKey("cuga.store.postgres.password.env")).as("a variable's name").isFalse();
        assertThat(Schema.secretKey("cuga.model.openai.api.key.file")).isFalse();
        assertThat(Schema.secretKey("cuga.auth.env.token.profile")).isFalse();
        assertThat(Schema.secretKey("cuga.redaction.keys")).as("the redacted keys").isFalse();
    }

    @Test
    void theSchemaComesFromMetatypeXml() throws IOException {
        Schema s = new Schema();
        s.addMetatype(new ByteArrayInputStream("""
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.2.0">
                  <OCD id="x.Config" name="x">
                    <AD id="tools" type="String" cardinality="2147483647" default="a,b"/>
                    <AD id="poll.millis" type="Long" default="250"/>
                  </OCD>
                  <Designate pid="cuga.x"><Object ocdref="x.Config"/></Designate>
                  <Designate factoryPid="cuga.f" pid="cuga.f"><Object ocdref="x.Config"/></Designate>
                </metatype:MetaData>
                """.getBytes(StandardCharsets.UTF_8)));
        assertThat(s.attr("cuga.x.poll.millis").type()).isEqualTo("Long");
        assertThat(s.attr("cuga.x.tools").multi()).isTrue();
        assertThat(s.isFactory("cuga.f")).isTrue();
        assertThat(s.isFactory("cuga.x")).isFalse();
        assertThat(s.attr("cuga.f.poll.millis")).as("a factory's properties need an instance name").isNull();
        assertThat(s.attr("cuga.f~one.poll.millis").pid()).isEqualTo("cuga.f~one");
        Resolved r = Resolver.resolve(new Resolver.Inputs(null, work, Map.of(), List.of()), s, true);
        assertThat(r.get("cuga.x.tools").value()).isEqualTo(List.of("a", "b"));
        assertThat(r.keys()).noneMatch(k -> k.startsWith("cuga.f")); // no instance named: nothing to show
    }

    @Test
    void cfgFilesAreCheckedWithFileAndLineButStandardPropertiesAreFine() throws IOException {
        schema.addFactory("cuga.tool.openapi", "spec", "String", 0, null)
                .addFactory("cuga.tool.openapi", "read.timeout.millis", "Long", 0, "30000");
        write("cuga.dispatcher.cfg", """
                # the dispatcher
                service.ranking = 5
                felix.fileinstall.filename = x
                pool.threads = 8
                pool.thread = 9
                default.timeout.millis = ${some.property}
                """);
        write("cuga.http.cfg", "max.body.bytes = lots\n");
        write("cuga.tool.openapi-petstore.cfg", "spec = pets.json\nread.timeout.millis = soon\nspek = x\n");
        write("cuga.dispatchr.cfg", "pool.threads = 8\n");
        write("org.apache.felix.http.cfg", "anything = goes\n");
        Resolved r = resolve(Map.of());
        assertThat(r.problems()).extracting(Object::toString).containsExactlyInAnyOrder(
                "cfg " + config.resolve("cuga.dispatcher.cfg") + ":5: cuga.dispatcher.pool.thread: unknown key: PID"
                        + " cuga.dispatcher has no property 'pool.thread'",
                "cfg " + config.resolve("cuga.http.cfg") + ":1: cuga.http.max.body.bytes: expects a whole number"
                        + " (Long), not 'lots'",
                "cfg " + config.resolve("cuga.tool.openapi-petstore.cfg") + ":2: cuga.tool.openapi~petstore"
                        + ".read.timeout.millis: expects a whole number (Long), not 'soon'",
                "cfg " + config.resolve("cuga.tool.openapi-petstore.cfg") + ":3: cuga.tool.openapi~petstore.spek:"
                        + " unknown key: PID cuga.tool.openapi~petstore has no property 'spek'",
                "cfg " + config.resolve("cuga.dispatchr.cfg") + ":1: unknown PID cuga.dispatchr: no component's"
                        + " metatype declares it (a typo in the file name? a factory configuration is"
                        + " <factoryPid>-<name>.cfg)");
        assertThat(r.problems()).allMatch(p -> p.layer() == Layer.CFG);
        // the factory configuration's values show under its instance key, with the factory's defaults below
        assertThat(r.chain("cuga.tool.openapi~petstore.spec")).extracting(Resolved.Entry::provenance)
                .containsExactly("cfg " + config.resolve("cuga.tool.openapi-petstore.cfg") + ":1");
        assertThat(r.chain("cuga.tool.openapi~petstore.read.timeout.millis")).extracting(Resolved.Entry::layer)
                .containsExactly(Layer.DEFAULT, Layer.CFG);

        // lenient: the same lines, saying FileInstall still applies the file
        Resolved lenient = Resolver.resolve(new Resolver.Inputs(config, work, Map.of(), List.of()), schema, false);
        assertThat(lenient.problems()).hasSize(5)
                .allMatch(p -> p.message().endsWith("(FileInstall applies it as it is)"));
        assertThat(lenient.get("cuga.http.max.body.bytes").value()).isEqualTo("lots");
    }

    @Test
    void aFactoryConfigurationIsSetByKeyWithATildeBeforeItsName() throws IOException {
        schema.addFactory("cuga.tool.openapi", "spec", "String", 0, null)
                .addFactory("cuga.tool.openapi", "include", "String", Integer.MAX_VALUE, "")
                .addFactory("cuga.tool.openapi", "read.timeout.millis", "Long", 0, "30000");
        write("cuga.tool.openapi-petstore.cfg", "spec = from-cfg.json\n");
        write("cuga.yaml", """
                cuga:
                  tool:
                    openapi~petstore:
                      spec: from-yaml.json
                      include: [list*, get*]
                    openapi~weather.spec: weather.yaml
                """);
        Resolved r = resolve(Map.of(), "cuga.tool.openapi~weather.read.timeout.millis=5");
        assertThat(r.problems()).isEmpty();
        assertThat(r.get("cuga.tool.openapi~petstore.spec").value()).isEqualTo("from-yaml.json");
        assertThat(r.chain("cuga.tool.openapi~petstore.spec")).extracting(Resolved.Entry::layer)
                .containsExactly(Layer.CFG, Layer.YAML);
        assertThat(r.get("cuga.tool.openapi~weather.read.timeout.millis").provenance())
                .isEqualTo("command line --set cuga.tool.openapi~weather.read.timeout.millis");
        assertThat(r.overlay().get("cuga.tool.openapi~petstore")).containsEntry("spec", "from-yaml.json")
                .containsEntry("include", new String[] {"list*", "get*"});
        assertThat(r.overlay().get("cuga.tool.openapi~weather")).containsOnly(Map.entry("spec", "weather.yaml"),
                Map.entry("read.timeout.millis", "5"));

        write("cuga.toml", "\"cuga.tool.openapi~toml2.spec\" = \"t2.json\"\n[cuga.tool.\"openapi~toml\"]\nspec = \"t.json\"\n");
        Files.writeString(work.resolve(".env"), "cuga.tool.openapi~dotenv.spec=d.json\n");
        Resolved more = resolve(Map.of());
        assertThat(more.problems()).isEmpty();
        assertThat(more.get("cuga.tool.openapi~toml.spec").source()).isEqualTo(config.resolve("cuga.toml") + ":3");
        assertThat(more.get("cuga.tool.openapi~toml2.spec").source()).isEqualTo(config.resolve("cuga.toml") + ":1");
        assertThat(more.overlay()).containsKeys("cuga.tool.openapi~toml", "cuga.tool.openapi~toml2",
                "cuga.tool.openapi~dotenv");

        Resolved bad = resolve(Map.of(), "cuga.tool.openapi~weather.read.timeout.millis=soon",
                "cuga.tool.openapi~weather.nope=1", "cuga.tool.openapi.spec=x");
        assertThat(bad.problems()).extracting(Object::toString).containsExactlyInAnyOrder(
                "command line --set cuga.tool.openapi~weather.read.timeout.millis: cuga.tool.openapi~weather"
                        + ".read.timeout.millis: expects a whole number (Long), not 'soon'",
                "command line --set cuga.tool.openapi~weather.nope: cuga.tool.openapi~weather.nope: unknown key:"
                        + " PID cuga.tool.openapi~weather has no property 'nope'",
                "command line --set cuga.tool.openapi.spec: cuga.tool.openapi.spec: unknown key (no component PID"
                        + " starts it; see ./cuga config explain for the known keys)");
    }
}
