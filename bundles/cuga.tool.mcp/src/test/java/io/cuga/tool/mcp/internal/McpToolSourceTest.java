package io.cuga.tool.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

import io.cuga.api.tool.Tool;

/**
 * The source in a real framework, with the real npm servers: a server that hangs while starting delays neither
 * the others nor the file polling, and a configuration change restarts only the servers it concerns.
 */
class McpToolSourceTest {

    @TempDir
    Path tmp;

    private Framework framework;
    private BundleContext context;
    private McpToolSource source;
    private Path file;

    @BeforeEach
    void startFelix() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix-cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("cuga.data", tmp.resolve("data").toString());
        framework = new FrameworkFactory().newFramework(config);
        framework.start();
        context = framework.getBundleContext();
        file = tmp.resolve("servers.yaml");
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.deactivate();
        }
        framework.stop();
        framework.waitForStop(10_000);
    }

    /** The configuration as ConfigAdmin would hand it over: the defaults but for {@code overrides}. */
    private static McpToolConfig config(Map<String, Object> overrides) {
        return (McpToolConfig) Proxy.newProxyInstance(McpToolConfig.class.getClassLoader(),
            new Class<?>[] {McpToolConfig.class}, (proxy, method, args) -> {
                if (method.getName().equals("annotationType")) {
                    return McpToolConfig.class;
                }
                Object v = overrides.get(method.getName());
                return v != null ? v : method.getDefaultValue();
            });
    }

    private static String stdio(String name, String command, String arg) {
        return "  - name: " + name + "\n    transport: stdio\n    command: " + command + "\n    args: [\"" + arg
            + "\"]\n";
    }

    private Long serviceId(String tool) throws Exception {
        var refs = context.getServiceReferences(Tool.class, "(" + Tool.NAME + "=" + tool + ")");
        return refs.isEmpty() ? null : (Long) refs.iterator().next().getProperty(Constants.SERVICE_ID);
    }

    private static List<ProcessHandle> sleeping(String marker) {
        return ProcessHandle.current().descendants().filter(p -> p.info().arguments()
            .map(a -> List.of(a).contains(marker)).orElse(false) && p.info().command().orElse("").endsWith("sleep"))
            .toList();
    }

    @Test
    void aServerThatHangsWhileStartingDelaysNoOtherServerNorTheFilePolling() throws Exception {
        String everything = McpServers.bin("mcp-server-everything").toString();
        // the hanging "server" comes first: with one thread for all starts the others would wait for its timeout
        Files.writeString(file, "servers:\n" + stdio("hang", "/bin/sleep", "613") + stdio("everything", everything,
            "stdio"));
        source = new McpToolSource(context, config(Map.of("servers_file", file.toString(), "poll_millis", 200L,
            "connect_timeout_millis", 600_000L)));

        assertThat(poll(() -> id("everything_echo") != null)).as("the other server's tools appear").isTrue();
        assertThat(sleeping("613")).as("while the hanging server is still starting").hasSize(1);

        // the file is still polled: a server added now starts as well
        Files.writeString(file, Files.readString(file) + stdio("second", everything, "stdio"));
        assertThat(poll(() -> id("second_echo") != null)).as("a server added to the file starts").isTrue();
        assertThat(sleeping("613")).hasSize(1);

        // removing the hanging server ends its start and its process
        Files.writeString(file, "servers:\n" + stdio("everything", everything, "stdio"));
        assertThat(poll(() -> sleeping("613").isEmpty())).as("the hanging process is ended").isTrue();
        assertThat(poll(() -> id("second_echo") == null)).isTrue();
        assertThat(id("everything_echo")).isNotNull();
    }

    @Test
    void aServerThatCannotStartAndABrokenFileAreDiagnosedUntilFixed() throws Exception {
        String everything = McpServers.bin("mcp-server-everything").toString();
        Files.writeString(file, "servers:\n" + stdio("missing", tmp.resolve("no-such-server").toString(), "stdio")
            + stdio("quits", "/bin/false", "stdio") + stdio("everything", everything, "stdio"));
        // the default connect timeout (30 s): a child that cannot start or quits is not waited for
        source = new McpToolSource(context, config(Map.of("servers_file", file.toString(), "poll_millis",
            3_600_000L)));
        assertThat(poll(() -> id("everything_echo") != null)).isTrue();
        assertThat(poll(() -> source.diagnostics().size() == 2)).as("%s", source.diagnostics()).isTrue();
        assertThat(source.diagnostics()).allSatisfy(d -> {
            assertThat(d.kind()).isEqualTo("mcp_server_down");
            assertThat(d.message()).startsWith("it could not start: ").contains("restarted with backoff");
        }).anySatisfy(d -> {
            assertThat(d.subject()).isEqualTo("mcp server 'missing'");
            assertThat(d.message()).contains("its command " + tmp.resolve("no-such-server") + " could not be started");
        }).anySatisfy(d -> {
            assertThat(d.subject()).isEqualTo("mcp server 'quits'");
            assertThat(d.message()).contains("its process exited with 1 before it answered");
        });

        // a file with a mistake: diagnosed, the running servers kept
        Files.writeString(file, "servers:\n  - name: x\n    transport: pigeon\n    command: y\n");
        source.pollNow();
        source.pollNow();
        assertThat(source.diagnostics()).anySatisfy(d -> {
            assertThat(d.kind()).isEqualTo("mcp_servers_file");
            assertThat(d.message()).contains("transport must be stdio or http");
        });
        assertThat(id("everything_echo")).isNotNull();

        // fixed: the broken server removed, nothing to say
        Files.writeString(file, "servers:\n" + stdio("everything", everything, "stdio"));
        source.pollNow();
        source.pollNow();
        assertThat(source.diagnostics()).isEmpty();
    }

    @Test
    void anEditIsActedOnOnlyWhenTwoPollsInARowReadIt() throws Exception {
        String everything = McpServers.bin("mcp-server-everything").toString();
        String full = "servers:\n" + stdio("everything", everything, "stdio");
        Files.writeString(file, full);
        // no polling of its own: every poll below is one this test makes
        source = new McpToolSource(context, config(Map.of("servers_file", file.toString(), "poll_millis",
            3_600_000L)));
        assertThat(poll(() -> id("everything_echo") != null)).as("the first read is acted on at once").isTrue();
        Long session = serviceId("everything_echo");

        // caught while being rewritten in place: truncated, a valid file with no server
        Files.writeString(file, "servers: []\n");
        source.pollNow();
        Files.writeString(file, full);
        source.pollNow();
        source.pollNow();
        assertThat(serviceId("everything_echo")).as("the server was never stopped").isEqualTo(session);

        // a real edit: read twice, then acted on
        Files.writeString(file, "servers: []\n");
        source.pollNow();
        assertThat(serviceId("everything_echo")).as("after one poll").isEqualTo(session);
        source.pollNow();
        assertThat(poll(() -> id("everything_echo") == null)).as("after the second poll").isTrue();
    }

    @Test
    void aConfigurationChangeRestartsOnlyTheServersItConcerns() throws Exception {
        String everything = McpServers.bin("mcp-server-everything").toString();
        Files.writeString(file, "servers:\n" + stdio("everything", everything, "stdio"));
        source = new McpToolSource(context, config(Map.of("servers_file", file.toString(), "poll_millis", 200L)));
        assertThat(poll(() -> id("everything_echo") != null)).isTrue();
        Long first = serviceId("everything_echo");

        // the poll interval, the error length and a copy of the file elsewhere: nothing the server runs with
        Path copy = tmp.resolve("copy.yaml");
        Files.copy(file, copy);
        source.modified(config(Map.of("servers_file", copy.toString(), "poll_millis", 300L, "max_error_chars",
            500)));
        Thread.sleep(1_500); // several polls of the new file
        assertThat(serviceId("everything_echo")).as("the server kept its session and its tools").isEqualTo(first);

        // the environment a stdio server gets: it is restarted to get it
        source.modified(config(Map.of("servers_file", copy.toString(), "poll_millis", 300L, "max_error_chars",
            500, "inherit_env", new String[] {"LANG", "TZ", "CUGA_TEST"})));
        assertThat(poll(() -> {
            Long now = id("everything_echo");
            return now != null && !now.equals(first);
        })).as("the server was restarted and its tools registered again").isTrue();
    }

    private Long id(String tool) {
        try {
            return serviceId(tool);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
