package io.cuga.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Bundles that use the event API as a third-party bundle would, compiled here with the JDK's compiler against the
 * distribution's own framework and {@code cuga.api} jars and packed with a plain manifest: one publishes an event
 * carrying secrets, one registers a deliberately slow exporter.
 */
final class EventProbes {

    /** The sink name of the slow exporter. */
    static final String SLOW_SINK = "e2e-slow";

    /** Milliseconds the slow exporter spends on each event. */
    static final int SLOW_MILLIS = 100;

    /** The event type the publisher probe emits. */
    static final String PROBE_EVENT = "e2e.probe";

    /** Secrets the publisher probe puts into its event: none may reach an exporter. */
    static final List<String> SECRETS = List.of("sk-e2e-secret-123", "Bearer e2e-secret-456", "hunter2-e2e");

    private static final String PUBLISHER = """
        package io.cuga.e2e.probe;

        import java.util.List;
        import java.util.Map;
        import org.osgi.framework.BundleActivator;
        import org.osgi.framework.BundleContext;
        import org.osgi.framework.ServiceReference;
        import io.cuga.api.event.Event;
        import io.cuga.api.event.EventPublisher;

        public class Publisher implements BundleActivator {
            @Override
            public void start(BundleContext context) {
                ServiceReference<EventPublisher> ref = context.getServiceReference(EventPublisher.class);
                if (ref == null) {
                    throw new IllegalStateException("no EventPublisher");
                }
                EventPublisher events = context.getService(ref);
                events.publish(new Event("%s", null, "", "default", "e2e", "ok", 0, Map.of(
                    "visible", "hello from a probe",
                    "api_key", "sk-e2e-secret-123",
                    "arguments", Map.of("url", "https://example.org/", "headers",
                        List.of(Map.of("Authorization", "Bearer e2e-secret-456"))),
                    "login", Map.of("user", "alice", "Password", "hunter2-e2e"))));
                context.ungetService(ref);
            }

            @Override
            public void stop(BundleContext context) {
            }
        }
        """.formatted(PROBE_EVENT);

    private static final String SLOW = """
        package io.cuga.e2e.probe;

        import java.util.Hashtable;
        import org.osgi.framework.BundleActivator;
        import org.osgi.framework.BundleContext;
        import org.osgi.framework.ServiceRegistration;
        import io.cuga.api.event.EventSink;

        public class SlowSink implements BundleActivator {
            private ServiceRegistration<EventSink> registration;

            @Override
            public void start(BundleContext context) {
                Hashtable<String, Object> properties = new Hashtable<>();
                properties.put(EventSink.NAME, "%s");
                registration = context.registerService(EventSink.class, event -> {
                    try {
                        Thread.sleep(%d);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, properties);
            }

            @Override
            public void stop(BundleContext context) {
                registration.unregister();
            }
        }
        """.formatted(SLOW_SINK, SLOW_MILLIS);

    private EventProbes() {
    }

    /** @return a bundle whose activator publishes one {@value #PROBE_EVENT} event full of secrets */
    static byte[] publisher(Path work) {
        return bundle(work, "io.cuga.e2e.probe.publisher", "Publisher", PUBLISHER);
    }

    /** @return a bundle whose activator registers an exporter that takes {@value #SLOW_MILLIS} ms per event */
    static byte[] slowSink(Path work) {
        return bundle(work, "io.cuga.e2e.probe.slow", "SlowSink", SLOW);
    }

    private static byte[] bundle(Path work, String symbolicName, String className, String source) {
        try {
            Path src = work.resolve(symbolicName).resolve("src/io/cuga/e2e/probe/" + className + ".java");
            Path classes = work.resolve(symbolicName).resolve("classes");
            Files.createDirectories(src.getParent());
            Files.createDirectories(classes);
            Files.writeString(src, source, StandardCharsets.UTF_8);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("the end-to-end tests need a JDK (javax.tools), not a JRE");
            }
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            int rc = javac.run(null, diagnostics, diagnostics, "--release", "17", "-classpath", classpath(),
                "-d", classes.toString(), src.toString());
            if (rc != 0) {
                throw new IllegalStateException("compiling " + className + " failed:\n" + diagnostics);
            }
            Manifest manifest = new Manifest();
            Attributes main = manifest.getMainAttributes();
            main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            main.putValue("Bundle-ManifestVersion", "2");
            main.putValue("Bundle-SymbolicName", symbolicName);
            main.putValue("Bundle-Version", "1.0.0");
            main.putValue("Bundle-Activator", "io.cuga.e2e.probe." + className);
            main.putValue("Import-Package", "io.cuga.api.event;version=\"[1.0,2)\","
                + "org.osgi.framework;version=\"[1.8,2)\"");
            main.putValue("Require-Capability", "osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=17))\"");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream jar = new JarOutputStream(bytes, manifest); Stream<Path> files = Files.walk(classes)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    jar.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    jar.write(Files.readAllBytes(file));
                    jar.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The framework jar (org.osgi.framework) and cuga.api, from the built distribution. */
    private static String classpath() throws IOException {
        Path dist = CugaServer.root().resolve("features/target/cuga");
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(dist.resolve("lib"))) {
            lib.filter(p -> p.getFileName().toString().startsWith("org.apache.felix.framework"))
                .forEach(p -> jars.add(p.toString()));
        }
        try (Stream<Path> api = Files.walk(dist.resolve("repository/io/cuga/cuga.api"))) {
            api.filter(p -> p.toString().endsWith(".jar")).forEach(p -> jars.add(p.toString()));
        }
        if (jars.size() != 2) {
            throw new IllegalStateException("expected the framework and cuga.api jars in " + dist + ", found " + jars);
        }
        return String.join(java.io.File.pathSeparator, jars);
    }
}
