package io.cuga.e2e;

import static io.cuga.e2e.CugaServer.ADMIN_TOKEN;
import static io.cuga.e2e.CugaServer.AGENT_TOKEN;
import static io.cuga.e2e.CugaServer.json;
import static io.cuga.e2e.CugaServer.poll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a new tool author does, with the real tools: install the API, the BOM and the archetype into the local
 * Maven repository, generate a tool project outside this repository, change its logic, build it with Maven,
 * drop it into a running server, call it, configure it with a .cfg, upgrade it, break it, remove it.
 *
 * <p>Maven runs offline ({@code -o}): everything the author's build needs must already be in the local
 * repository after the reactor build. The archetype plugin is named by its full coordinates, because offline
 * Maven cannot look up the {@code archetype:} prefix or the plugin's newest version.
 */
class ToolAuthorJourneyTest {

    static final Duration GENEROUS = Duration.ofSeconds(20);
    static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(3);

    static final String GROUP = "com.example.e2e";
    static final String ARTIFACT = "greeter-tool";
    static final String PACKAGE = "com.example.e2e.greeter";
    static final String TOOL = "e2e_greeter";
    static final String BSN = GROUP + "." + ARTIFACT;

    @TempDir
    Path author;

    @Test
    void generateBuildDeployCallConfigureUpgradeBreakAndRemoveATool() throws Exception {
        Path root = CugaServer.root();
        // what `mvn install` of this repository gives an author, limited to what the archetype needs
        mvn(root, "install", "-q", "-DskipTests", "-pl", "bundles/cuga.api,bom,archetypes/cuga-tool-archetype",
            "-am");

        mvn(author, "org.apache.maven.plugins:maven-archetype-plugin:" + bomProperty("maven-archetype-plugin.version")
            + ":generate", "-DarchetypeGroupId=io.cuga", "-DarchetypeArtifactId=cuga-tool-archetype",
            "-DarchetypeVersion=1.0.0-SNAPSHOT", "-DgroupId=" + GROUP, "-DartifactId=" + ARTIFACT,
            "-Dversion=1.0.0", "-Dpackage=" + PACKAGE, "-DtoolName=" + TOOL);
        Path project = author.resolve(ARTIFACT);
        Path source = project.resolve("src/main/java/com/example/e2e/greeter/E2eGreeterTool.java");
        Path test = project.resolve("src/test/java/com/example/e2e/greeter/E2eGreeterToolTest.java");
        Path sampleCfg = project.resolve("config/" + PACKAGE + ".cfg");
        assertThat(source).exists();
        assertThat(test).exists();
        assertThat(sampleCfg).exists();
        assertThat(project.resolve("README.md")).exists();
        assertThat(project.resolve("src/main/resources/schemas/" + TOOL + ".json")).exists();

        // the author's own logic, and the unit test that goes with it
        replace(source, "return greeting + \", \" + name + \"!\";",
            "return greeting + \", \" + name + \"! (v1)\";");
        replace(test, "\"Hi, Ada!\"", "\"Hi, Ada! (v1)\"");
        mvn(project, "-q", "package");
        Path v1 = project.resolve("target/" + ARTIFACT + "-1.0.0.jar");
        assertThat(v1).exists();

        try (CugaServer server = CugaServer.start()) {
            allowlist(server, TOOL, GROUP + ".*");

            // a stable file name in deploy/, so that a new version replaces the old one in place
            Jars.drop(server.deploy, ARTIFACT + ".jar", Jars.read(v1));
            assertThat(poll(GENEROUS, () -> greet(server, "Ada").statusCode() == 200)).as(server.logTail()).isTrue();
            assertThat(message(greet(server, "Ada"))).isEqualTo("Hello, Ada! (v1)");
            assertThat(server.toolNames()).contains(TOOL, "calculator");
            // the schema from the generated resource is enforced: unknown arguments are refused
            HttpResponse<String> stray = server.invoke(TOOL, AGENT_TOKEN, Map.of("name", "Ada", "shout", true));
            assertThat(stray.statusCode()).as(stray.body()).isEqualTo(422);
            // and the tool's own ToolException reaches the caller as a 400 with its code
            HttpResponse<String> blank = server.invoke(TOOL, AGENT_TOKEN, Map.of("name", "  "));
            assertThat(blank.statusCode()).as(blank.body()).isEqualTo(400);
            assertThat(json(blank).path("error").path("code").asText()).isEqualTo("blank_name");

            // the sample .cfg the archetype wrote (greeting = Hi), dropped beside the jar
            Path deployedCfg = server.deploy.resolve(PACKAGE + ".cfg");
            Files.copy(sampleCfg, deployedCfg);
            assertGreeting(server, "Hi, Ada! (v1)");
            // edited in place
            Files.writeString(deployedCfg, "greeting = Howdy\n", StandardCharsets.UTF_8);
            assertGreeting(server, "Howdy, Ada! (v1)");
            // removed: the defaults again
            Files.delete(deployedCfg);
            assertGreeting(server, "Hello, Ada! (v1)");
            // or in the server's configuration folder
            Files.writeString(server.config.resolve(PACKAGE + ".cfg"), "greeting = Salut\n", StandardCharsets.UTF_8);
            assertGreeting(server, "Salut, Ada! (v1)");

            // version 1.0.1: changed logic, rebuilt, dropped under the same file name
            replace(project.resolve("pom.xml"), "<version>1.0.0</version>", "<version>1.0.1</version>");
            replace(source, "\"! (v1)\"", "\"! (v2)\"");
            replace(test, "\"Hi, Ada! (v1)\"", "\"Hi, Ada! (v2)\"");
            mvn(project, "-q", "package");
            Path v2 = project.resolve("target/" + ARTIFACT + "-1.0.1.jar");
            Jars.drop(server.deploy, ARTIFACT + ".jar", Jars.read(v2));
            assertGreeting(server, "Salut, Ada! (v2)");
            assertThat(toolEntry(server, TOOL).path("bundleVersion").asText()).isEqualTo("1.0.1");
            assertThat(toolEntry(server, TOOL).path("bundle").asText()).isEqualTo(BSN);

            // a bundle built against an API major version this server does not have
            Path broken = brokenCopy(project);
            mvn(broken, "-q", "package", "-DskipTests");
            Jars.drop(server.deploy, "broken.jar", Jars.read(broken.resolve("target/" + ARTIFACT + "-api2-1.0.1.jar")));
            assertThat(poll(GENEROUS, () -> diagnostics(server).contains(BSN + "-api2"))).as(server.logTail())
                .isTrue();
            JsonNode problem = null;
            for (JsonNode d : json(server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN)).path("diagnostics")) {
                if (d.path("subject").asText().contains(BSN + "-api2")) {
                    problem = d;
                }
            }
            assertThat(problem).isNotNull();
            assertThat(problem.path("kind").asText()).isEqualTo("bundle_unresolved");
            assertThat(problem.path("message").asText())
                .contains("io.cuga.api.tool version [2.0.0,3.0.0)")
                .containsPattern("this server has 1\\.[0-9]+\\.[0-9]+ from cuga\\.api");
            // the tools already running are not disturbed
            assertThat(message(greet(server, "Ada"))).isEqualTo("Salut, Ada! (v2)");
            assertThat(server.invoke("calculator", AGENT_TOKEN, Map.of("expression", "6*7")).statusCode())
                .isEqualTo(200);
            Files.delete(server.deploy.resolve("broken.jar"));
            assertThat(poll(GENEROUS, () -> !diagnostics(server).contains(BSN + "-api2"))).as(server.logTail())
                .isTrue();

            // pulling the jar removes the tool
            Files.delete(server.deploy.resolve(ARTIFACT + ".jar"));
            assertThat(poll(GENEROUS, () -> greet(server, "Ada").statusCode() == 404)).as(server.logTail())
                .isTrue();
            assertThat(server.toolNames()).doesNotContain(TOOL).contains("calculator");
        }
    }

    /** The BOM repeats the reactor's versions (it has no parent, on purpose): they must not drift apart. */
    @Test
    void theBomPinsTheVersionsTheServerIsBuiltWith() throws Exception {
        Document reactor = parse(CugaServer.root().resolve("pom.xml"));
        Document bom = parse(CugaServer.root().resolve("bom/pom.xml"));
        Map<String, String> reactorProps = properties(reactor);
        Map<String, String> bomProps = properties(bom);

        assertThat(bomProps.get("bnd.version")).isEqualTo(reactorProps.get("bnd.version"));
        assertThat(bomProps.get("junit.version")).isEqualTo(reactorProps.get("junit.version"));
        assertThat(bomProps.get("project.build.outputTimestamp"))
            .isEqualTo(reactorProps.get("project.build.outputTimestamp"));

        Map<String, String> reactorManaged = managed(reactor, "dependencyManagement", reactorProps);
        Map<String, String> bomManaged = managed(bom, "dependencyManagement", bomProps);
        for (String ga : List.of("org.osgi:osgi.core", "org.osgi:osgi.annotation",
            "org.osgi:org.osgi.service.component.annotations", "org.osgi:org.osgi.service.metatype.annotations",
            "org.osgi:org.osgi.util.function", "org.osgi:org.osgi.util.promise")) {
            assertThat(bomManaged.get(ga)).as(ga).isNotNull().isEqualTo(reactorManaged.get(ga));
        }
        assertThat(bomManaged.get("io.cuga:cuga.api")).isEqualTo("${project.version}");

        Map<String, String> reactorPlugins = managed(reactor, "pluginManagement", reactorProps);
        for (String plugin : List.of("maven-compiler-plugin", "maven-resources-plugin", "maven-surefire-plugin",
            "maven-jar-plugin", "maven-install-plugin", "maven-deploy-plugin", "maven-clean-plugin")) {
            assertThat(bomProps.get(plugin + ".version")).as(plugin)
                .isEqualTo(reactorPlugins.get("org.apache.maven.plugins:" + plugin));
        }
    }

    // ------------------------------------------------------------------------------------------------------

    private static HttpResponse<String> greet(CugaServer server, String name) {
        return server.invoke(TOOL, AGENT_TOKEN, Map.of("name", name));
    }

    private static String message(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).path("result").path("message").asText();
    }

    private static void assertGreeting(CugaServer server, String expected) {
        assertThat(poll(GENEROUS, () -> {
            HttpResponse<String> r = greet(server, "Ada");
            return r.statusCode() == 200 && expected.equals(json(r).path("result").path("message").asText());
        })).as("expected '%s', last answer %s%n%s", expected, greet(server, "Ada").body(), server.logTail())
            .isTrue();
    }

    private static String diagnostics(CugaServer server) {
        return server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN).body();
    }

    private static JsonNode toolEntry(CugaServer server, String name) {
        for (JsonNode tool : json(server.get("/api/v1/tools/diagnostics", ADMIN_TOKEN)).path("tools")) {
            if (tool.path("name").asText().equals(name)) {
                return tool;
            }
        }
        throw new AssertionError("no tool " + name + " in " + diagnostics(server));
    }

    /** Adds patterns to the allowlist's {@code tools} and {@code bundles}, as an operator edits the file. */
    private static void allowlist(CugaServer server, String toolPattern, String bundlePattern) throws IOException {
        Path cfg = server.config.resolve("cuga.allowlist.cfg");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(cfg, StandardCharsets.UTF_8)) {
            if (line.startsWith("tools")) {
                line = line + ", " + toolPattern;
            } else if (line.startsWith("bundles")) {
                line = line + ", " + bundlePattern;
            }
            lines.add(line);
        }
        Files.write(cfg, lines, StandardCharsets.UTF_8);
    }

    /**
     * A copy of the project whose bundle imports the tool API at [2,3), as a bundle built against a future
     * cuga 2.x would.
     */
    private Path brokenCopy(Path project) throws IOException {
        Path copy = author.resolve(ARTIFACT + "-api2");
        CugaServer.copyTree(project, copy);
        CugaServer.deleteTree(copy.resolve("target"));
        Path pom = copy.resolve("pom.xml");
        replace(pom, "<artifactId>" + ARTIFACT + "</artifactId>", "<artifactId>" + ARTIFACT + "-api2</artifactId>");
        replace(pom, "-reproducible: true", "Import-Package: io.cuga.api.tool;version=\"[2,3)\",*\n-reproducible: true");
        return copy;
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).as(file.toString()).contains(from);
        Files.writeString(file, text.replaceFirst(java.util.regex.Pattern.quote(from),
            java.util.regex.Matcher.quoteReplacement(to)), StandardCharsets.UTF_8);
    }

    /** Runs Maven offline in a folder, on this JVM's JDK and this build's local repository. */
    private void mvn(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "-o", "-Dstyle.color=never"));
        String localRepository = System.getProperty("localRepository");
        if (localRepository != null && !localRepository.isBlank()) {
            command.add("-Dmaven.repo.local=" + localRepository);
        }
        command.addAll(List.of(args));
        Path log = Files.createTempFile(author, "mvn-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", javaHome());
        builder.environment().remove("MAVEN_CMD_LINE_ARGS");
        Process process = builder.start();
        if (!process.waitFor(MAVEN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + MAVEN_TIMEOUT);
        }
        if (process.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            throw new AssertionError(String.join(" ", command) + " in " + dir + " exited " + process.exitValue()
                + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
    }

    private static String mavenExecutable() {
        for (String home : new String[] {System.getProperty("maven.home"), System.getenv("MAVEN_HOME")}) {
            if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
                return Path.of(home, "bin", "mvn").toString();
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mvn"))) {
                return Path.of(dir, "mvn").toString();
            }
        }
        throw new AssertionError("mvn is neither in MAVEN_HOME nor on the PATH");
    }

    /** The JDK running this test (java.home is the JDK itself since Java 9). */
    private static String javaHome() {
        return System.getProperty("java.home");
    }

    private static String bomProperty(String name) throws Exception {
        String value = properties(parse(CugaServer.root().resolve("bom/pom.xml"))).get(name);
        assertThat(value).as("property %s of bom/pom.xml", name).isNotBlank();
        return value;
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new HashMap<>();
        Element properties = child(pom.getDocumentElement(), "properties");
        if (properties != null) {
            NodeList children = properties.getChildNodes();
            for (int i = 0; i < children.getLength(); i++) {
                if (children.item(i) instanceof Element e) {
                    out.put(e.getTagName(), e.getTextContent().trim());
                }
            }
        }
        return out;
    }

    /**
     * groupId:artifactId to version under a management section ({@code dependencyManagement} or
     * {@code pluginManagement}), with {@code ${property}} versions resolved from the same pom.
     */
    private static Map<String, String> managed(Document pom, String section, Map<String, String> props) {
        NodeList sections = pom.getElementsByTagName(section);
        Map<String, String> out = new HashMap<>();
        for (int s = 0; s < sections.getLength(); s++) {
            for (String tag : List.of("dependency", "plugin")) {
                NodeList entries = ((Element) sections.item(s)).getElementsByTagName(tag);
                for (int i = 0; i < entries.getLength(); i++) {
                    Element entry = (Element) entries.item(i);
                    String group = text(entry, "groupId");
                    String version = text(entry, "version");
                    if (version == null) {
                        continue;
                    }
                    if (version.startsWith("${") && props.containsKey(version.substring(2, version.length() - 1))) {
                        version = props.get(version.substring(2, version.length() - 1));
                    }
                    out.put((group == null ? "org.apache.maven.plugins" : group) + ":" + text(entry, "artifactId"),
                        version);
                }
            }
        }
        return out;
    }

    private static String text(Element parent, String tag) {
        Element e = child(parent, tag);
        return e == null ? null : e.getTextContent().trim();
    }

    private static Element child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }
}
