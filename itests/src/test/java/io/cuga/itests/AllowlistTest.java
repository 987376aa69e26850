package io.cuga.itests;

import static io.cuga.itests.Support.ALLOWLIST;
import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.assertStatus;
import static io.cuga.itests.Support.awaitState;
import static io.cuga.itests.Support.call;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolInfo.State;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolDescriptor;

/** Deny by default: a tool is reachable only when the allowlist names both the tool and its bundle. */
class AllowlistTest extends InFrameworkTest {

    /** Waits until the registry hides {@code name} for a reason containing {@code reason}. */
    private ToolInfo awaitReason(String name, String reason) {
        List<ToolInfo> found = Support.await("'" + name + "' hidden because of \"" + reason + "\"",
            () -> Support.infos(registry.getService(), name),
            l -> l.size() == 1 && l.get(0).state() == State.HIDDEN && l.get(0).reason().contains(reason));
        ToolInfo info = found.get(0);
        assertThat(info.reason()).contains(ALLOWLIST);
        assertThat(registry.getService().visible("default")).extracting(ToolDescriptor::name).doesNotContain(name);
        assertThat(registry.getService().find(name, "default")).isEmpty();
        return info;
    }

    @Test
    void withNoConfigurationEveryToolIsHidden() throws Exception {
        allow(cm, List.of("*"), List.of("*"));
        String name = unique("unconfigured");
        context.registerService(Tool.class, call -> "reached", toolProps(name));
        awaitState(registry.getService(), name, State.VISIBLE);

        Support.delete(cm, ALLOWLIST);

        // the registry's service properties carry its configuration: gone with it
        Support.await("the allowlist configuration to be gone", () -> registry.getServiceReference()
            .getProperty("tools"), java.util.Objects::isNull);
        ToolInfo info = awaitState(registry.getService(), name, State.HIDDEN);
        assertThat(info.bundle()).isEqualTo(bsn);
        assertThat(info.reason()).contains(ALLOWLIST).contains(name).contains("tools []");
        assertThat(registry.getService().visible("default")).extracting(ToolDescriptor::name).doesNotContain(name);
        assertThat(registry.getService().find(name, "default")).isEmpty();
        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);
        assertThat(outcome.errorCode()).isEqualTo("unknown_tool");
        assertThat(outcome.status().httpStatus()).isEqualTo(404);
    }

    @Test
    void aToolIsVisibleOnlyWhenItsNameAndItsBundleAreBothAllowed() throws Exception {
        String name = unique("allowed");
        context.registerService(Tool.class, call -> Map.of("echo", call.arguments()), toolProps(name));

        allow(cm, List.of(name), List.of(bsn));
        awaitState(registry.getService(), name, State.VISIBLE);

        // empty lists allow nothing
        allow(cm, List.of(), List.of());
        awaitReason(name, "tools []");
        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);

        // the name alone is not enough
        allow(cm, List.of(name), List.of());
        awaitReason(name, "bundle '" + bsn + "' matches no pattern of " + ALLOWLIST + " bundles []");
        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);

        // nor is the bundle alone
        allow(cm, List.of("some-other-tool"), List.of(bsn));
        awaitReason(name, "tools [some-other-tool]");
        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);

        // both: visible and callable
        allow(cm, List.of(name), List.of(bsn));
        ToolInfo visible = awaitState(registry.getService(), name, State.VISIBLE);
        assertThat(visible.reason()).isEmpty();
        assertThat(registry.getService().visible("default")).extracting(ToolDescriptor::name).contains(name);
        ToolDescriptor descriptor = registry.getService().find(name, "default").orElseThrow();
        assertThat(descriptor.bundle()).isEqualTo(bsn);
        assertThat(descriptor.description()).contains(name);
        CallOutcome ok = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.OK);
        assertThat(ok.result()).isEqualTo(Map.of("echo", Map.of()));

        // taken off the list again: hidden and unreachable
        allow(cm, List.of("some-other-tool"), List.of(bsn));
        awaitReason(name, "tools [some-other-tool]");
        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);
    }

    @Test
    void patternsAreGlobsAndOneValueMayHoldSeveral() throws Exception {
        String prefix = unique("glob");
        String matching = prefix + "-alpha";
        String other = unique("nomatch");
        context.registerService(Tool.class, call -> "alpha", toolProps(matching));
        context.registerService(Tool.class, call -> "other", toolProps(other));

        // as a FileInstall .cfg delivers a list: one string, comma separated
        allow(cm, List.of("unrelated, " + prefix + "-*"), List.of("cuga.it*"));

        awaitState(registry.getService(), matching, State.VISIBLE);
        assertThat(Support.infos(registry.getService(), other)).singleElement()
            .extracting(ToolInfo::state).isEqualTo(State.HIDDEN);
        assertThat(assertStatus(call(dispatcher.getService(), matching, Map.of()), Status.OK).result())
            .isEqualTo("alpha");
        assertStatus(call(dispatcher.getService(), other, Map.of()), Status.NOT_FOUND);
    }

    @Test
    void aCallKeepsThePolicyItStartedWithWhenTheAllowlistChanges() throws Exception {
        String name = unique("snapshot");
        Support.GatedTool tool = new Support.GatedTool();
        context.registerService(Tool.class, tool, toolProps(name));
        allow(cm, List.of(name), List.of(bsn));
        awaitState(registry.getService(), name, State.VISIBLE);

        Dispatcher d = dispatcher.getService();
        Future<CallOutcome> running = callers.submit(() -> call(d, name, Map.of()));
        tool.awaitEntered(1);

        // policy reloaded while the call runs: the tool is no longer allowed
        allow(cm, List.of(), List.of(bsn));
        awaitState(registry.getService(), name, State.HIDDEN);
        assertStatus(call(d, name, Map.of()), Status.NOT_FOUND);

        tool.open();
        CallOutcome outcome = running.get(10, TimeUnit.SECONDS);
        assertStatus(outcome, Status.OK);
        assertThat(outcome.result()).isEqualTo(Map.of("released", true));
        assertThat(tool.interrupted.getCount()).as("the running call was not interrupted").isEqualTo(1);
    }

    @Test
    void aComponentToolHiddenWhileACallRunsKeepsServingThatCall() throws Exception {
        String name = unique("resource");
        String bsn = "cuga.itests.snapshot." + name;
        String gate = "cuga.itests.gate." + name;
        allow(cm, List.of(name), List.of(bsn));
        Bundle bundle = context.installBundle(TestBundles.toFile(
            java.nio.file.Path.of(context.getProperty("cuga.itests.hot")), name + ".jar",
            TestBundles.resourceTool(bsn, name)));
        Support.start(bundle);
        awaitState(registry.getService(), name, State.VISIBLE);
        Dispatcher d = dispatcher.getService();
        try {
            Future<CallOutcome> running = callers.submit(() -> call(d, name, Map.of("gate", gate)));
            Support.await("the call to enter the tool", () -> System.getProperty(gate + ".entered"),
                java.util.Objects::nonNull);

            // policy reloaded while the call runs: the tool is no longer allowed
            allow(cm, List.of(), List.of(bsn));
            awaitState(registry.getService(), name, State.HIDDEN);
            assertStatus(call(d, name, Map.of("gate", gate)), Status.NOT_FOUND);

            System.setProperty(gate, "open");
            CallOutcome outcome = running.get(10, TimeUnit.SECONDS);
            assertThat(outcome.status())
                .as("the call that started under the old policy ends normally; its tool component must stay "
                    + "active until it does, got %s", outcome)
                .isEqualTo(Status.OK);
        } finally {
            System.clearProperty(gate);
            System.clearProperty(gate + ".entered");
            bundle.uninstall();
        }
    }
}
