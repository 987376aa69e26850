package io.cuga.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** With no tokens or console password configured, the server makes its own and never runs on defaults. */
class SecretsAndConsoleTest {

    private static HttpResponse<String> console(CugaServer server, String user, String password) {
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return server.send(HttpRequest.newBuilder(server.uri("/system/console/bundles"))
            .header("Authorization", "Basic " + basic).GET(), null);
    }

    @Test
    void generatesOwnerOnlySecretsAndKeepsThemAcrossRestarts() throws Exception {
        CugaServer server = CugaServer.start(Paths.get(System.getProperty("java.home")), Map.of());
        try {
            Path secrets = server.data.resolve("secrets");
            Path tokenFile = secrets.resolve("admin.token");
            Path consoleFile = secrets.resolve("console.credentials");
            assertThat(tokenFile).exists();
            assertThat(consoleFile).exists();
            for (Path file : new Path[] {tokenFile, consoleFile}) {
                assertThat(Files.getPosixFilePermissions(file))
                    .isEqualTo(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            }
            assertThat(server.logText()).contains(tokenFile.toString()).contains(consoleFile.toString());

            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            assertThat(token).hasSizeGreaterThanOrEqualTo(32);
            assertThat(server.get("/api/v1/tools/diagnostics", token).statusCode()).isEqualTo(200);

            // the console never accepts admin/admin; it accepts the generated credentials
            assertThat(console(server, "admin", "admin").statusCode()).isEqualTo(401);
            String user = null;
            String password = null;
            for (String line : Files.readAllLines(consoleFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("user=")) {
                    user = line.substring(5).trim();
                } else if (line.startsWith("password=")) {
                    password = line.substring(9).trim();
                }
            }
            assertThat(user).as("user= line in %s", consoleFile).isNotBlank();
            assertThat(password).as("password= line in %s", consoleFile).isNotBlank();
            assertThat(console(server, user, password).statusCode()).isEqualTo(200);

            // a restart on the same data directory keeps the same token
            assertThat(server.stop()).isZero();
        } finally {
            server.stop();
        }
        CugaServer again = CugaServer.restart(server);
        try {
            String token = Files.readString(server.data.resolve("secrets/admin.token"), StandardCharsets.UTF_8).trim();
            assertThat(again.get("/api/v1/tools/diagnostics", token).statusCode()).isEqualTo(200);
        } finally {
            again.close();
        }
    }

    @Test
    void consoleCredentialsFromTheEnvironment() {
        CugaServer server = CugaServer.start(Paths.get(System.getProperty("java.home")),
            Map.of("CUGA_CONSOLE_USER", "operator", "CUGA_CONSOLE_PASSWORD", "s3cret-Console-pw"));
        try {
            assertThat(console(server, "admin", "admin").statusCode()).isEqualTo(401);
            assertThat(console(server, "operator", "wrong").statusCode()).isEqualTo(401);
            assertThat(console(server, "operator", "s3cret-Console-pw").statusCode()).isEqualTo(200);
        } finally {
            server.close();
        }
    }
}
