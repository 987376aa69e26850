package io.cuga.tool.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.cuga.tool.http.client.HttpFetcher;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.ToolException;
import io.cuga.guardrail.egress.internal.EgressFixture;

/**
 * HTTPS to a pinned address: the client connects to the address egress checked, and still verifies the
 * certificate against the URL's host name (and sends it as SNI). The certificate is made by the JDK's keytool
 * for allowed.test only; allowed.test and second.test both resolve to 127.0.0.1 (the tests' hosts file).
 */
class TlsTest {

    @TempDir
    static Path dir;

    private static HttpsServer server;
    private static SSLContext trusting;
    private static EgressGuard guard;

    @BeforeAll
    static void start() throws Exception {
        Path store = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=allowed.test",
            "-ext", "SAN=dns:allowed.test", "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
            "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keys.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/hello", exchange -> {
            byte[] body = "secure hello".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        guard = EgressFixture.guard("allow_domains", List.of("allowed.test", "second.test"), "allow_cidrs",
            List.of("127.0.0.1/32"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static Object get(String url) throws Exception {
        HttpFetcher fetcher = new HttpFetcher(new HttpFetcher.Settings(2_000, 2_000, 1024, 0, 1, 10, 100, "t"), trusting);
        return new HttpGetTool(fetcher, guard).invoke(new TestCall("http_get", Map.of("url", url)));
    }

    @Test
    void theCertificateIsVerifiedForTheUrlsHostNameOnThePinnedAddress() throws Exception {
        int port = server.getAddress().getPort();
        assertThat(get("https://allowed.test:" + port + "/hello")).isInstanceOf(Map.class)
            .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
            .containsEntry("status", 200).containsEntry("body", "secure hello");
    }

    @Test
    void anotherNameForTheSameAddressFailsVerification() {
        int port = server.getAddress().getPort();
        ToolException e = catchThrowableOfType(ToolException.class, () -> get("https://second.test:" + port + "/hello"));
        assertThat(e.code()).isEqualTo("tls_error");
        assertThat(e.getMessage()).startsWith("the TLS connection to https://second.test:" + port + "/hello failed: ");
    }

    @Test
    void theAddressItselfIsNotTheCertifiedName() throws Exception {
        int port = server.getAddress().getPort();
        ToolException e = catchThrowableOfType(ToolException.class, () -> get("https://127.0.0.1:" + port + "/hello"));
        assertThat(e.code()).isEqualTo("tls_error");
    }

    @Test
    void theDefaultSchemeListRefusesPlainHttp() {
        ToolException e = catchThrowableOfType(ToolException.class, () -> get("http://allowed.test:1/hello"));
        assertThat(e.getMessage()).startsWith("egress denied by rule 'scheme_not_allowed'");
    }
}
