package io.cuga.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {

    @TempDir
    Path data;

    private String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void generatesAnOwnerOnlyAdminTokenOnceAndKeepsIt() throws IOException {
        String where = new Secrets(data).adminToken(Map.of());
        Path file = data.resolve("secrets/admin.token");
        assertThat(where).isEqualTo(file.toString());
        String token = Files.readString(file).trim();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(perms(file)).isEqualTo("rw-------");
        assertThat(perms(file.getParent())).isEqualTo("rwx------");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        new Secrets(data).adminToken(Map.of());
        assertThat(Files.readString(file).trim()).isEqualTo(token);
        assertThat(perms(file)).isEqualTo("rw-------");
    }

    @Test
    void theEnvironmentTokenWritesNoFile() throws IOException {
        assertThat(new Secrets(data).adminToken(Map.of("CUGA_ADMIN_TOKEN", "t0ken"))).contains("CUGA_ADMIN_TOKEN");
        assertThat(data.resolve("secrets/admin.token")).doesNotExist();
    }

    @Test
    void generatesAConsoleLoginOnceAndKeepsIt() throws IOException {
        Secrets.Console first = new Secrets(data).console(Map.of());
        Path file = data.resolve("secrets/console.credentials");
        assertThat(first.user()).isEqualTo("admin");
        assertThat(first.password()).hasSize(24).isNotEqualTo("admin");
        assertThat(first.where()).isEqualTo(file.toString());
        assertThat(perms(file)).isEqualTo("rw-------");
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("password=" + first.password());

        assertThat(new Secrets(data).console(Map.of())).isEqualTo(first);
        assertThat(new Secrets(data).console(Map.of("CUGA_CONSOLE_USER", "ops")).user()).isEqualTo("ops");
    }

    @Test
    void theEnvironmentLoginWinsButNeverAdminAdmin() throws IOException {
        Secrets.Console c = new Secrets(data).console(Map.of("CUGA_CONSOLE_PASSWORD", "s3cret"));
        assertThat(c.user()).isEqualTo("admin");
        assertThat(c.password()).isEqualTo("s3cret");
        assertThat(data.resolve("secrets/console.credentials")).doesNotExist();

        assertThatThrownBy(() -> new Secrets(data).console(Map.of("CUGA_CONSOLE_PASSWORD", "admin")))
                .hasMessageContaining("admin/admin");
    }

    /** The hash must be accepted by the Web Console 5.0.18's own password check, and only for that password. */
    @Test
    void theWebConsoleAcceptsTheHashedPassword() throws Exception {
        String hash = Secrets.consoleHash("correct horse");
        assertThat(hash).matches("\\{sha-256\\}[0-9a-f]{16}-1000-[A-Za-z0-9+/]{43}=");
        assertThat(Secrets.consoleHash("correct horse")).isNotEqualTo(hash); // salted

        Class<?> password = Class.forName("org.apache.felix.webconsole.internal.servlet.Password");
        Constructor<?> ctor = password.getDeclaredConstructor(String.class);
        ctor.setAccessible(true);
        Method matches = password.getDeclaredMethod("matches", byte[].class);
        matches.setAccessible(true);
        Object verifier = ctor.newInstance(hash);
        assertThat(matches.invoke(verifier, (Object) "correct horse".getBytes())).isEqualTo(true);
        assertThat(matches.invoke(verifier, (Object) "admin".getBytes())).isEqualTo(false);
    }
}
