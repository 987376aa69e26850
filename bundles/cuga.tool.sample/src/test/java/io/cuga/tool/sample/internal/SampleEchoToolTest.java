package io.cuga.tool.sample.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;

/**
 * The sample tool as hot deploy uses it: the bundle bnd built (target/classes, manifest included) runs in a real
 * Felix with SCR and ConfigAdmin, and a copy with a rewritten manifest replaces it the way a "version 2" jar
 * dropped into deploy/ does.
 */
class SampleEchoToolTest {

    private static final String TOOL_FILTER = "(&(" + Constants.OBJECTCLASS + "=" + Tool.class.getName() + ")("
        + Tool.NAME + "=sample_echo))";

    @TempDir
    static Path tmp;

    private static Framework framework;
    private static BundleContext context;

    private Bundle sample;

    @BeforeAll
    static void startFelix() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // the test and the bundles share these API classes, so the test can call the services it finds
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
            "io.cuga.api.tool;version=" + exportedVersion("io.cuga.api.tool") + ",org.osgi.service.cm;version=1.6.1");
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
        context = framework.getBundleContext();
        for (String clazz : List.of("org/osgi/util/function/Function.class", "org/osgi/util/promise/Promise.class",
            "org/osgi/service/component/ComponentContext.class", "org/apache/felix/scr/impl/Activator.class",
            "org/apache/felix/cm/PersistenceManager.class")) {
            context.installBundle(jarOf(clazz).toUri().toString()).start();
        }
    }

    @AfterAll
    static void stopFelix() throws Exception {
        framework.stop();
        framework.waitForStop(10_000);
    }

    @AfterEach
    void uninstall() throws Exception {
        if (sample != null) {
            sample.uninstall();
        }
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        Configuration[] configs = context.getService(ref).listConfigurations(null);
        if (configs != null) {
            for (Configuration c : configs) {
                c.delete();
            }
        }
    }

    @Test
    void theBuiltBundleEchoesWithTheDefaultGreetingItsVersionAndFlavour() throws Exception {
        sample = install(Map.of());
        Map<?, ?> result = (Map<?, ?>) awaitTool(r -> true).invoke(call(Map.of("message", "ping")));
        assertThat(result).isEqualTo(Map.of("echo", "ping", "greeting", "hello", "version", "1.0.0.SNAPSHOT",
            "flavour", "original"));
        assertThat(List.<Object>copyOf(result.keySet())).containsExactly("echo", "greeting", "version", "flavour");

        ServiceReference<?> ref = context.getServiceReferences(Tool.class, TOOL_FILTER).iterator().next();
        assertThat(ref.getBundle()).isEqualTo(sample);
        assertThat(ref.getProperty(Tool.RISK)).isEqualTo("READ");
        assertThat(ref.getProperty(Tool.SCHEMA)).isEqualTo("/schemas/sample_echo.json");
        assertThat((String) ref.getProperty(Tool.DESCRIPTION)).isNotBlank();
        assertThat(sample.getEntry("/schemas/sample_echo.json")).isNotNull();
        assertThat(sample.getEntry("/OSGI-INF/metatype/" + SampleEchoTool.PID + ".xml")).isNotNull();
    }

    @Test
    void aVersionTwoJarWithARewrittenManifestAnswersWithItsOwnVersionAndFlavour() throws Exception {
        sample = install(Map.of());
        assertThat(((Map<?, ?>) awaitTool(r -> true).invoke(call(Map.of("message", "1")))).get("version"))
            .isEqualTo("1.0.0.SNAPSHOT");

        // what FileInstall does when deploy/ gets a newer jar of the same bundle
        sample.update(new ByteArrayInputStream(jar(Map.of(Constants.BUNDLE_VERSION, "2.0.0",
            SampleEchoTool.FLAVOUR_HEADER, "v2"))));
        Map<?, ?> result = (Map<?, ?>) awaitTool(r -> "2.0.0".equals(r.get("version"))).invoke(call(Map.of("message", "2")));
        assertThat(result).isEqualTo(Map.of("echo", "2", "greeting", "hello", "version", "2.0.0", "flavour", "v2"));

        // a build without the header reports an empty flavour
        sample.update(new ByteArrayInputStream(jar(Map.of(Constants.BUNDLE_VERSION, "3.0.0",
            SampleEchoTool.FLAVOUR_HEADER, ""))));
        result = (Map<?, ?>) awaitTool(r -> "3.0.0".equals(r.get("version"))).invoke(call(Map.of("message", "3")));
        assertThat(result.get("flavour")).isEqualTo("");
    }

    @Test
    void theGreetingComesFromConfigurationPidCugaToolSample() throws Exception {
        sample = install(Map.of());
        awaitTool(r -> "hello".equals(r.get("greeting")));
        ConfigurationAdmin cm = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        Configuration config = cm.getConfiguration(SampleEchoTool.PID, "?");
        config.update(new Hashtable<>(Map.of("greeting", "bonjour")));
        Map<?, ?> result = (Map<?, ?>) awaitTool(r -> "bonjour".equals(r.get("greeting")))
            .invoke(call(Map.of("message", "salut")));
        assertThat(result.get("echo")).isEqualTo("salut");
        assertThat(result.get("greeting")).isEqualTo("bonjour");

        config.delete();
        awaitTool(r -> "hello".equals(r.get("greeting")));
    }

    @Test
    void aMessageThatIsNotAStringIsRefused() throws Exception {
        sample = install(Map.of());
        SampleEchoTool tool = new SampleEchoTool(greeting("hi"), sample);
        ToolException e = catchThrowableOfType(ToolException.class, () -> tool.invoke(call(Map.of("message", 5))));
        assertThat(e.code()).isEqualTo("invalid_arguments");
        assertThat(e.getMessage()).isEqualTo("the argument 'message' must be a string");
        assertThat(catchThrowableOfType(ToolException.class, () -> tool.invoke(call(Map.of()))).code())
            .isEqualTo("invalid_arguments");
        assertThat(tool.invoke(call(Map.of("message", "")))).isEqualTo(Map.of("echo", "", "greeting", "hi",
            "version", "1.0.0.SNAPSHOT", "flavour", "original"));
    }

    @Test
    void theSchemaRequiresAShortMessageAndNothingElse() throws Exception {
        Schema schema;
        try (InputStream in = SampleEchoTool.class.getResourceAsStream("/schemas/sample_echo.json")) {
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
        assertThat(schema.validate("{\"message\": \"hi\"}", InputFormat.JSON)).isEmpty();
        assertThat(schema.validate("{\"message\": \"" + "a".repeat(1000) + "\"}", InputFormat.JSON)).isEmpty();
        assertThat(schema.validate("{\"message\": \"" + "a".repeat(1001) + "\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"message\": 1}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"message\": \"hi\", \"extra\": true}", InputFormat.JSON)).isNotEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** Installs and starts the bundle in target/classes, with some manifest headers replaced. */
    private static Bundle install(Map<String, String> headers) throws Exception {
        Bundle bundle = context.installBundle("sample:" + System.nanoTime(), new ByteArrayInputStream(jar(headers)));
        bundle.start();
        return bundle;
    }

    /** Waits for the sample_echo service whose answer to "probe" passes the check. */
    private static Tool awaitTool(Predicate<Map<?, ?>> check) throws Exception {
        Instant end = Instant.now().plus(Duration.ofSeconds(10));
        Object last = null;
        while (Instant.now().isBefore(end)) {
            for (ServiceReference<Tool> ref : context.getServiceReferences(Tool.class, TOOL_FILTER)) {
                Tool tool = context.getService(ref);
                if (tool != null) {
                    last = tool.invoke(call(Map.of("message", "probe")));
                    if (check.test((Map<?, ?>) last)) {
                        return tool;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no sample_echo service answered as expected within 10 s; last answer: " + last);
    }

    /** The bundle bnd built into target/classes as a jar, with some manifest headers replaced. */
    private static byte[] jar(Map<String, String> headers) throws IOException {
        Path classes = Path.of("target/classes");
        Manifest manifest;
        try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        Attributes main = manifest.getMainAttributes();
        headers.forEach((name, value) -> {
            if (value.isEmpty()) {
                main.remove(new Attributes.Name(name));
            } else {
                main.putValue(name, value);
            }
        });
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, manifest); Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                if (!name.equals("META-INF/MANIFEST.MF")) {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    /** @return the version the API jar on the class path exports a package at (as the server's API bundle does) */
    private static String exportedVersion(String pkg) throws Exception {
        Path api = jarOf(Tool.class.getName().replace('.', '/') + ".class");
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(api.toFile())) {
            String exports = jar.getManifest().getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(pkg)
                + ";[^,]*?version=\"([0-9.]+)\"").matcher(exports);
            if (!m.find()) {
                throw new IllegalStateException(api + " does not export " + pkg);
            }
            return m.group(1);
        }
    }

    /** The jar on the test class path that holds the class file. */
    private static Path jarOf(String classFile) throws Exception {
        URL url = SampleEchoToolTest.class.getClassLoader().getResource(classFile);
        assertThat(url).as(classFile).isNotNull();
        String path = url.toString();
        return Path.of(new java.net.URI(path.substring("jar:".length(), path.indexOf("!/"))));
    }

    private static SampleEchoTool.Config greeting(String greeting) {
        return new SampleEchoTool.Config() {
            @Override
            public String greeting() {
                return greeting;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return SampleEchoTool.Config.class;
            }
        };
    }

    private static ToolCall call(Map<String, Object> arguments) {
        return new ToolCall() {
            @Override
            public String tool() {
                return "sample_echo";
            }

            @Override
            public Map<String, Object> arguments() {
                return arguments;
            }

            @Override
            public String callId() {
                return "call-1";
            }

            @Override
            public String traceId() {
                return "4bf92f3577b34da6a3ce929d0e0e4736";
            }

            @Override
            public String profile() {
                return "default";
            }

            @Override
            public String session() {
                return "";
            }

            @Override
            public String caller() {
                return "tester";
            }

            @Override
            public Instant deadline() {
                return Instant.now().plusSeconds(10);
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        };
    }
}
