package io.cuga.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Makes bundle jars the way a tool author's build would, and drops them into deploy/ atomically. */
final class Jars {

    private Jars() {
    }

    /** A copy of a bundle jar with some manifest headers replaced (a "new version" of the bundle). */
    static byte[] withHeaders(Path jar, Map<String, String> headers) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            Attributes main = manifest.getMainAttributes();
            headers.forEach((k, v) -> main.put(new Attributes.Name(k), v));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        }
    }

    /** A bundle with nothing but a manifest. */
    static byte[] manifestOnly(Map<String, String> headers) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        headers.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new JarOutputStream(bytes, manifest)) {
            out.flush();
        }
        return bytes.toByteArray();
    }

    /** Writes beside the target folder first, then moves into place in one step, as a careful deploy does. */
    static void drop(Path deploy, String name, byte[] jar) throws IOException {
        Path temp = Files.createTempFile(deploy.getParent(), "drop-", ".tmp");
        Files.write(temp, jar);
        Files.move(temp, deploy.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static byte[] read(Path jar) throws IOException {
        try (InputStream in = Files.newInputStream(jar)) {
            return in.readAllBytes();
        }
    }
}
