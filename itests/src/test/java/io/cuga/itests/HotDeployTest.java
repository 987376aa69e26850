package io.cuga.itests;

import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.assertStatus;
import static io.cuga.itests.Support.await;
import static io.cuga.itests.Support.awaitState;
import static io.cuga.itests.Support.call;
import static io.cuga.itests.Support.infos;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolInfo.State;
import io.cuga.api.tool.Tool;

/** Tool bundles installed and removed while the server runs, and bundles that cannot resolve. */
class HotDeployTest extends InFrameworkTest {

    private Path hot;

    @BeforeEach
    void setUp() {
        String dir = context.getProperty("cuga.itests.hot");
        assertThat(dir).as("framework property cuga.itests.hot (itests.bndrun)").isNotBlank();
        hot = Path.of(dir);
    }

    @Test
    void theCalculatorJarInstalledWhileRunningServesUntilItIsUninstalled() throws Exception {
        String jar = context.getProperty("cuga.itests.calculator");
        assertThat(Path.of(jar)).as("the calculator jar (copied by the itests pom)").isRegularFile();
        // the framework context itself, so the calculator put back at the end outlives this test
        BundleContext framework = org.osgi.framework.FrameworkUtil.getBundle(HotDeployTest.class)
            .getBundleContext();
        allow(cm, List.of("calculator"), List.of(Support.CALCULATOR));
        Bundle running = Support.bundle(context, Support.CALCULATOR);
        if (running != null) {
            running.uninstall();
        }
        try {
            await("the calculator to be gone", () -> infos(registry.getService(), "calculator"), List::isEmpty);
            assertStatus(call(dispatcher.getService(), "calculator", Map.of("expression", "6 * 7")),
                Status.NOT_FOUND);

            Bundle hot = context.installBundle(Path.of(jar).toUri().toString());
            Support.start(hot);

            ToolInfo info = awaitState(registry.getService(), "calculator", State.VISIBLE);
            assertThat(info.bundle()).isEqualTo(Support.CALCULATOR);
            CallOutcome ok = assertStatus(call(dispatcher.getService(), "calculator",
                Map.of("expression", "6 * 7")), Status.OK);
            assertThat(String.valueOf(((Map<?, ?>) ok.result()).get("value"))).isEqualTo("42");

            hot.uninstall();
            await("the calculator to leave with its bundle", () -> infos(registry.getService(), "calculator"),
                List::isEmpty);
            assertStatus(call(dispatcher.getService(), "calculator", Map.of("expression", "6 * 7")),
                Status.NOT_FOUND);
        } finally {
            // leave the framework as the other tests expect it: with a calculator
            if (Support.bundle(framework, Support.CALCULATOR) == null) {
                Support.start(framework.installBundle(Path.of(jar).toUri().toString()));
            }
        }
        awaitState(registry.getService(), "calculator", State.VISIBLE);
    }

    @Test
    void aToolBundleInstalledWhileRunningServesUntilItIsUninstalled() throws Exception {
        String tool = unique("greeter");
        String bsn = "cuga.itests.hot." + tool;
        allow(cm, List.of(tool), List.of("cuga.itests.hot.*"));
        String location = TestBundles.toFile(hot, tool + ".jar", TestBundles.greeter(bsn, tool));

        Bundle bundle = context.installBundle(location);
        Support.start(bundle);

        ToolInfo info = awaitState(registry.getService(), tool, State.VISIBLE);
        assertThat(info.bundle()).isEqualTo(bsn);
        assertThat(info.bundleVersion()).isEqualTo("1.0.0");
        // the schema came from a resource inside the installed bundle
        assertThat(info.descriptor().inputSchema()).contains("\"name\"");
        CallOutcome ok = assertStatus(call(dispatcher.getService(), tool, Map.of("name", "Ada")), Status.OK);
        assertThat(ok.result()).isEqualTo(Map.of("greeting", "hello Ada"));
        assertStatus(call(dispatcher.getService(), tool, Map.of()), Status.INVALID_ARGUMENTS);

        bundle.stop();
        await(tool + " to leave with its stopped bundle", () -> infos(registry.getService(), tool), List::isEmpty);
        assertStatus(call(dispatcher.getService(), tool, Map.of("name", "Ada")), Status.NOT_FOUND);

        Support.start(bundle);
        awaitState(registry.getService(), tool, State.VISIBLE);
        assertStatus(call(dispatcher.getService(), tool, Map.of("name", "Bob")), Status.OK);

        bundle.uninstall();
        await(tool + " to leave with its uninstalled bundle", () -> infos(registry.getService(), tool),
            List::isEmpty);
        CallOutcome gone = assertStatus(call(dispatcher.getService(), tool, Map.of("name", "Ada")), Status.NOT_FOUND);
        assertThat(gone.errorCode()).isEqualTo("unknown_tool");
    }

    @Test
    void aBundleThatNeedsAnotherApiVersionIsExplainedAndTheRestKeepsWorking() throws Exception {
        String own = unique("survivor");
        context.registerService(Tool.class, call -> "still serving", toolProps(own));
        allow(cm, List.of(own), List.of(context.getBundle().getSymbolicName()));
        awaitState(registry.getService(), own, State.VISIBLE);
        String bsn = unique("cuga.itests.needs-api2");
        String location = TestBundles.toFile(hot, bsn + ".jar", TestBundles.needsToolApi2(bsn));

        Bundle bundle = context.installBundle(location);

        Diagnostic diagnostic = await("a bundle_unresolved diagnostic for " + bsn,
            () -> registry.getService().diagnostics(),
            l -> l.stream().anyMatch(d -> d.kind().equals("bundle_unresolved") && d.subject().contains(bsn)))
            .stream().filter(d -> d.kind().equals("bundle_unresolved") && d.subject().contains(bsn))
            .findFirst().orElseThrow();
        assertThat(bundle.getState()).isEqualTo(Bundle.INSTALLED);
        assertThat(diagnostic.subject()).contains(bsn).contains("1.0.0");
        assertThat(diagnostic.message())
            .as("names the package, the range wanted and what the server has")
            .contains("io.cuga.api.tool")
            .contains("[2.0.0,3.0.0)")
            .containsPattern("this server has 1\\.[0-9]+\\.[0-9]+ from cuga\\.api"); // the API's 1.x export
        assertThat(assertStatus(call(dispatcher.getService(), own, Map.of()), Status.OK).result())
            .isEqualTo("still serving");
        allow(cm, List.of(own, "calculator"), List.of(context.getBundle().getSymbolicName(), Support.CALCULATOR));
        awaitState(registry.getService(), "calculator", State.VISIBLE);
        assertStatus(call(dispatcher.getService(), "calculator", Map.of("expression", "2 ** 10")), Status.OK);

        bundle.uninstall();
        await("the diagnostic to clear once the bundle is gone", () -> registry.getService().diagnostics(),
            l -> l.stream().noneMatch(d -> d.subject().contains(bsn)));
    }

    /**
     * What FileInstall and every launcher do: install a bundle and start it at once. Starting must not fail
     * because the server happens to be looking at the new bundle at that moment.
     */
    @Test
    void aToolBundleStartsRightAfterItIsInstalled() throws Exception {
        List<String> failures = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String tool = unique("quick");
            String location = TestBundles.toFile(hot, tool + ".jar",
                TestBundles.greeter("cuga.itests.hot." + tool, tool));
            Bundle bundle = context.installBundle(location);
            try {
                bundle.start();
            } catch (org.osgi.framework.BundleException e) {
                failures.add(tool + ": " + e.getMessage());
            } finally {
                bundle.uninstall();
            }
        }
        assertThat(failures).as("bundles that failed to start right after install").isEmpty();
    }
}
