package io.cuga.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.cuga.itests.fixture.GreeterTool;
import io.cuga.itests.fixture.ResourceTool;

/** Bundles built while the framework runs, as a tool author would drop them into a server. */
final class TestBundles {

    private TestBundles() {
    }

    /**
     * A tool bundle of its own: a Declarative Services component providing {@link io.cuga.api.tool.Tool} named
     * {@code toolName}, with its argument schema as a resource of the bundle.
     */
    static byte[] greeter(String bsn, String toolName) throws IOException {
        Manifest manifest = manifest(bsn);
        Attributes main = manifest.getMainAttributes();
        main.putValue("Import-Package", "io.cuga.api.tool;version=\"[1.0,2)\"");
        main.putValue("Service-Component", "OSGI-INF/greeter.xml");
        main.putValue("Require-Capability",
            "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.3.0)(!(version>=2.0.0)))\"");
        String component = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + toolName + "\">\n"
            + "  <implementation class=\"" + GreeterTool.class.getName() + "\"/>\n"
            + "  <service><provide interface=\"io.cuga.api.tool.Tool\"/></service>\n"
            + "  <property name=\"cuga.tool.name\" value=\"" + toolName + "\"/>\n"
            + "  <property name=\"cuga.tool.description\" value=\"Greets someone by name.\"/>\n"
            + "  <property name=\"cuga.tool.schema\" value=\"/schemas/greeter.json\"/>\n"
            + "</scr:component>\n";
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
            + "\"required\":[\"name\"]}";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("OSGI-INF/greeter.xml", component.getBytes(StandardCharsets.UTF_8));
        entries.put("schemas/greeter.json", schema.getBytes(StandardCharsets.UTF_8));
        entries.put(classFile(GreeterTool.class), classBytes(GreeterTool.class));
        return jar(manifest, entries);
    }

    /**
     * A tool bundle whose Declarative Services component opens a resource on activation and closes it on
     * deactivation ({@link ResourceTool}).
     */
    static byte[] resourceTool(String bsn, String toolName) throws IOException {
        Manifest manifest = manifest(bsn);
        Attributes main = manifest.getMainAttributes();
        main.putValue("Import-Package", "io.cuga.api.tool;version=\"[1.0,2)\"");
        main.putValue("Service-Component", "OSGI-INF/resource.xml");
        main.putValue("Require-Capability",
            "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.3.0)(!(version>=2.0.0)))\"");
        String component = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + toolName + "\""
            + " activate=\"activate\" deactivate=\"deactivate\">\n"
            + "  <implementation class=\"" + ResourceTool.class.getName() + "\"/>\n"
            + "  <service><provide interface=\"io.cuga.api.tool.Tool\"/></service>\n"
            + "  <property name=\"cuga.tool.name\" value=\"" + toolName + "\"/>\n"
            + "  <property name=\"cuga.tool.schema\" value=\"{&quot;properties&quot;:{&quot;gate&quot;:"
            + "{&quot;type&quot;:&quot;string&quot;}}}\"/>\n"
            + "</scr:component>\n";
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("OSGI-INF/resource.xml", component.getBytes(StandardCharsets.UTF_8));
        entries.put(classFile(ResourceTool.class), classBytes(ResourceTool.class));
        return jar(manifest, entries);
    }

    /** A bundle that wants a version of the tool API this server does not have, so it can never resolve. */
    static byte[] needsToolApi2(String bsn) throws IOException {
        Manifest manifest = manifest(bsn);
        manifest.getMainAttributes().putValue("Import-Package", "io.cuga.api.tool;version=\"[2.0,3)\"");
        return jar(manifest, Map.of());
    }

    /** Writes a bundle to a file and returns the location to install it from. */
    static String toFile(Path dir, String fileName, byte[] jar) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(fileName);
        Files.write(file, jar);
        return file.toUri().toString();
    }

    private static Manifest manifest(String bsn) {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", bsn);
        main.putValue("Bundle-Version", "1.0.0");
        return manifest;
    }

    private static byte[] jar(Manifest manifest, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new JarEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String classFile(Class<?> type) {
        return type.getName().replace('.', '/') + ".class";
    }

    private static byte[] classBytes(Class<?> type) throws IOException {
        try (InputStream in = type.getClassLoader().getResourceAsStream(classFile(type))) {
            if (in == null) {
                throw new IOException("class file of " + type.getName() + " not found");
            }
            return in.readAllBytes();
        }
    }
}
