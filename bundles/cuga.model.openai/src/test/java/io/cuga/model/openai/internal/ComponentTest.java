package io.cuga.model.openai.internal;

import static io.cuga.model.openai.internal.ChatOverHttpTest.KEY;
import static io.cuga.model.openai.internal.ChatOverHttpTest.ask;
import static io.cuga.model.openai.internal.ScriptedServer.completion;
import static io.cuga.model.openai.internal.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.apache.felix.framework.Felix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.cuga.api.model.ChatModel;
import io.cuga.api.model.ModelException;

/**
 * The component in a real framework's service registry: registered only with a model name, settings from the
 * configuration or else the environment, the key never in the log.
 */
class ComponentTest {

    @TempDir
    Path tmp;

    Felix felix;
    BundleContext context;
    ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("cuga.data", tmp.toString());
        // the test's classes are the framework's: the system bundle exports the API package
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "io.cuga.api.model;version=1.0.0");
        felix = new Felix(props);
        felix.start();
        context = felix.getBundleContext();
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        felix.stop();
        felix.waitForStop(10_000);
    }

    OpenAiModelComponent activate(Map<String, Object> config, Map<String, String> env) {
        UnaryOperator<String> lookup = env::get;
        return new OpenAiModelComponent(context, Configs.of(config), lookup);
    }

    Collection<ServiceReference<ChatModel>> models() throws Exception {
        return context.getServiceReferences(ChatModel.class, null);
    }

    @Test
    void withoutAModelNameNothingIsRegistered() throws Exception {
        OpenAiModelComponent idle = activate(Map.of("base_url", server.baseUrl()), Map.of("OPENAI_API_KEY", KEY));
        assertThat(models()).isEmpty();
        idle.deactivate();
    }

    @Test
    void aConfiguredModelIsRegisteredWithProviderAndNameAndAnswers() throws Exception {
        OpenAiModelComponent c = activate(Map.of("base_url", server.baseUrl() + "/", "model", "gpt-test",
            "api_key", KEY), Map.of());
        ServiceReference<ChatModel> ref = models().iterator().next();
        assertThat(ref.getProperty(ChatModel.PROVIDER)).isEqualTo("openai");
        assertThat(ref.getProperty(ChatModel.MODEL)).isEqualTo("gpt-test");
        server.answer(json(200, completion("gpt-test", "hi", "stop", 1, 1)));
        assertThat(context.getService(ref).chat(ask("hi")).text()).isEqualTo("hi");
        ScriptedServer.Received sent = server.request();
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.authorization()).isEqualTo("Bearer " + KEY);

        c.deactivate();
        assertThat(models()).isEmpty();
    }

    @Test
    void theEnvironmentFillsWhatTheConfigurationLeavesEmpty() throws Exception {
        OpenAiModelComponent c = activate(Map.of(), Map.of("OPENAI_BASE_URL", server.baseUrl(), "CUGA_MODEL",
            "from-env", "OPENAI_API_KEY", "sk-env-key-123456"));
        ServiceReference<ChatModel> ref = models().iterator().next();
        assertThat(ref.getProperty(ChatModel.MODEL)).isEqualTo("from-env");
        server.answer(json(200, completion("from-env", "ok", "stop", 1, 1)));
        context.getService(ref).chat(ask("hi"));
        ScriptedServer.Received sent = server.request();
        assertThat(sent.authorization()).isEqualTo("Bearer sk-env-key-123456");
        assertThat(sent.json().path("model").asText()).isEqualTo("from-env");
        c.deactivate();

        // the configuration wins over the environment
        c = activate(Map.of("base_url", server.baseUrl(), "model", "configured"), Map.of("CUGA_MODEL", "from-env"));
        assertThat(models().iterator().next().getProperty(ChatModel.MODEL)).isEqualTo("configured");
        c.deactivate();
    }

    @Test
    void theKeyFromAFileRelativeToTheDataDirectory() throws Exception {
        Files.createDirectories(tmp.resolve("secrets"));
        Files.writeString(tmp.resolve("secrets/openai.key"), "sk-file-key-987654\n");
        OpenAiModelComponent c = activate(Map.of("base_url", server.baseUrl(), "model", "m", "api_key_file",
            "secrets/openai.key"), Map.of("OPENAI_API_KEY", "sk-env-loses"));
        server.answer(json(200, completion("m", "ok", "stop", 1, 1)));
        context.getService(models().iterator().next()).chat(ask("hi"));
        assertThat(server.request().authorization()).isEqualTo("Bearer sk-file-key-987654");
        c.deactivate();

        // a key file that cannot be read: nothing registered rather than calls that all fail
        c = activate(Map.of("base_url", server.baseUrl(), "model", "m", "api_key_file", "secrets/missing.key"),
            Map.of());
        assertThat(models()).isEmpty();
        c.deactivate();
    }

    @Test
    void anUnusableBaseUrlRegistersNothing() throws Exception {
        for (String url : new String[] {"ftp://example.org/v1", "not a url", "http://user:pw@example.org/v1"}) {
            OpenAiModelComponent c = activate(Map.of("base_url", url, "model", "m"), Map.of());
            assertThat(models()).as(url).isEmpty();
            c.deactivate();
        }
    }

    @Test
    void theKeyNeverReachesTheLogOrAMessage() throws Exception {
        OpenAiModelComponent c = activate(Map.of("base_url", server.baseUrl(), "model", "gpt-test", "api_key", KEY,
            "organization", "org-1"), Map.of());
        ChatModel model = context.getService(models().iterator().next());
        assertThat(model.toString()).doesNotContain(KEY);
        server.answer(json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\"}}"));
        ModelException e = catchThrowableOfType(ModelException.class, () -> model.chat(ask("hi")));
        assertThat(e.getMessage()).doesNotContain(KEY);
        e = catchThrowableOfType(ModelException.class, () -> model.stream(ask("hi"), t -> { }));
        assertThat(e.getMessage()).doesNotContain(KEY);
        server.answer(ScriptedServer.sse(java.util.List.of("{\"id\":\"s\",\"model\":\"gpt-test\",\"choices\":"
            + "[{\"index\":0,\"delta\":{\"content\":\"fine\"},\"finish_reason\":\"stop\"}]}"), true));
        assertThat(model.stream(ask("hi"), t -> { }).text()).isEqualTo("fine");
        c.deactivate();

        Path log = Paths.get(System.getProperty("org.slf4j.simpleLogger.logFile", "target/test-slf4j.log"));
        String text = Files.readString(log);
        assertThat(text).contains("Chat model gpt-test at " + server.baseUrl() + " registered (key from api.key");
        assertThat(text).doesNotContain(KEY).doesNotContain("0123456789abcdef");
    }
}
