package io.cuga.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.servlet.Servlet;

class BenchServletTest {

    /** A BundleContext that records servlet registrations (the only call the registrar makes). */
    static final class RecordingContext {
        final List<Dictionary<String, ?>> active = new ArrayList<>();
        final List<Object> services = new ArrayList<>();

        BundleContext context() {
            return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (self, method, args) -> {
                    if (!method.getName().equals("registerService")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    assertThat(args[0]).isEqualTo(Servlet.class);
                    @SuppressWarnings("unchecked")
                    Dictionary<String, ?> props = (Dictionary<String, ?>) args[2];
                    active.add(props);
                    services.add(args[1]);
                    return Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {ServiceRegistration.class}, (r, m, a) -> {
                            if (m.getName().equals("unregister")) {
                                active.remove(props);
                                return null;
                            }
                            throw new UnsupportedOperationException(m.getName());
                        });
                });
        }
    }

    static BenchServletRegistrar.Config flag(boolean on) {
        return Configs.of(BenchServletRegistrar.Config.class, Map.of("benchmark_bare_servlet", on));
    }

    @Test
    void registersOnlyWhileTheFlagIsTrue() {
        RecordingContext recording = new RecordingContext();
        BenchServletRegistrar registrar = new BenchServletRegistrar(recording.context(), flag(false));
        assertThat(recording.active).isEmpty();

        registrar.modified(flag(true));
        assertThat(recording.active).hasSize(1);
        assertThat(recording.active.get(0).get("osgi.http.whiteboard.servlet.pattern")).isEqualTo("/bench/bare");
        assertThat(recording.services.get(0)).isInstanceOf(BareServlet.class);

        registrar.modified(flag(true));
        assertThat(recording.active).hasSize(1);

        registrar.modified(flag(false));
        assertThat(recording.active).isEmpty();

        registrar.modified(flag(true));
        registrar.deactivate();
        assertThat(recording.active).isEmpty();
    }

    @Test
    void bareServletAnswersLikeASuccessfulInvoke() throws Exception {
        Map<Servlet, String[]> servlets = new LinkedHashMap<>();
        servlets.put(new BareServlet(1024), new String[] {BareServlet.PATTERN});
        try (JettyHarness http = new JettyHarness(servlets)) {
            JettyHarness.Reply reply = http.postJson("/bench/bare", "{\"arguments\":{\"expression\":\"1+2\"}}");
            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("result").get("expression").asText()).isEqualTo("1+2");
            assertThat(body.get("result").has("value")).isTrue();
            assertThat(body.get("decision").get("verdict").asText()).isEqualTo("ALLOW");
            assertThat(body.get("callId").asText()).matches("[0-9a-f]{32}");
            assertThat(reply.header("traceparent")).isNotNull();

            assertThat(http.get("/bench/bare").status()).isEqualTo(405);
            assertThat(http.postJson("/bench/bare", "{\"arguments\":1}").status()).isEqualTo(400);
            assertThat(http.postJson("/bench/bare", "{\"arguments\":{\"x\":\"" + "y".repeat(2000) + "\"}}").status())
                .isEqualTo(413);
        }
    }
}
