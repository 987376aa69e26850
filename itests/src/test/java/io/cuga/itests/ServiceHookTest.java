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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.ToolInfo.State;
import io.cuga.api.tool.Tool;

/**
 * The service registry has no side door to a tool: a bundle sees only the Tool services it registered itself,
 * never another bundle's, and hears of no other bundle's Tool coming or going. Only the dispatcher reaches them.
 */
class ServiceHookTest extends InFrameworkTest {

    private static List<String> names(Collection<? extends ServiceReference<?>> references) {
        List<String> out = new ArrayList<>();
        for (ServiceReference<?> reference : references) {
            out.add(String.valueOf(reference.getProperty(Tool.NAME)));
        }
        return out;
    }

    private List<String> toolsSeenByThisBundle() throws Exception {
        List<String> seen = new ArrayList<>(names(context.getServiceReferences(Tool.class, null)));
        ServiceReference<?>[] all = context.getAllServiceReferences(Tool.class.getName(), null);
        if (all != null) {
            seen.addAll(names(Arrays.asList(all)));
        }
        return seen;
    }

    @Test
    void anotherBundlesToolIsNeitherFoundNorAnnouncedButTheDispatcherReachesIt() throws Exception {
        String own = unique("mine");
        String foreign = unique("theirs");
        String foreignBsn = "cuga.itests.hooks." + foreign;
        List<String> heard = new CopyOnWriteArrayList<>();
        ServiceListener listener = event -> heard.add(
            event.getType() + ":" + event.getServiceReference().getProperty(Tool.NAME));
        context.addServiceListener(listener, "(objectClass=" + Tool.class.getName() + ")");
        allow(cm, List.of(own, foreign), List.of(context.getBundle().getSymbolicName(), "cuga.itests.hooks.*"));
        Path hot = Path.of(context.getProperty("cuga.itests.hot"));
        Bundle other = context.installBundle(
            TestBundles.toFile(hot, foreign + ".jar", TestBundles.greeter(foreignBsn, foreign)));

        Support.start(other);
        context.registerService(Tool.class, call -> "own", toolProps(own));

        // the orchestrator tracks both
        awaitState(registry.getService(), foreign, State.VISIBLE);
        awaitState(registry.getService(), own, State.VISIBLE);
        assertThat(other.getRegisteredServices()).as("the other bundle did register its tool").isNotEmpty();

        // this bundle finds only its own, by interface, by name or by filter
        assertThat(toolsSeenByThisBundle()).contains(own).doesNotContain(foreign);
        assertThat(context.getServiceReferences(Tool.class, "(" + Tool.NAME + "=" + foreign + ")")).isEmpty();
        assertThat(context.getServiceReferences(Tool.class.getName(), null)).extracting(
            r -> r.getProperty(Tool.NAME)).doesNotContain(foreign);

        // and the dispatcher is the one way in
        assertThat(assertStatus(call(dispatcher.getService(), foreign, Map.of("name", "Ada")), Status.OK).result())
            .isEqualTo(Map.of("greeting", "hello Ada"));

        other.stop();
        await(foreign + " to go with its bundle", () -> infos(registry.getService(), foreign), List::isEmpty);
        Support.start(other);
        awaitState(registry.getService(), foreign, State.VISIBLE);

        // events: this bundle heard of its own registration, and of nothing the other bundle did
        assertThat(heard).contains(ServiceEvent.REGISTERED + ":" + own);
        assertThat(heard).noneMatch(e -> e.endsWith(":" + foreign));
        other.uninstall();
    }

    @Test
    void theCalculatorIsHiddenFromThisBundleButTheDispatcherReachesIt() throws Exception {
        Bundle calculator = Support.bundle(context, Support.CALCULATOR);
        assertThat(calculator).as("the calculator bundle runs").isNotNull();
        List<String> heard = new CopyOnWriteArrayList<>();
        ServiceListener listener = event -> {
            Bundle from = event.getServiceReference().getBundle();
            heard.add(event.getType() + ":" + (from == null ? "?" : from.getSymbolicName()) + ":"
                + event.getServiceReference().getProperty(Tool.NAME));
        };
        context.addServiceListener(listener, "(objectClass=" + Tool.class.getName() + ")");
        allow(cm, List.of("calculator"), List.of(Support.CALCULATOR));
        awaitState(registry.getService(), "calculator", State.VISIBLE);
        assertThat(calculator.getRegisteredServices()).as("the calculator registered its tool").isNotEmpty();

        assertThat(toolsSeenByThisBundle()).doesNotContain("calculator");
        assertThat(context.getServiceReferences(Tool.class, "(" + Tool.NAME + "=calculator)")).isEmpty();

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), "calculator",
            Map.of("expression", "2 * (3 + 4)")), Status.OK);
        assertThat(outcome.result()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
            .containsEntry("expression", "2 * (3 + 4)")
            .extractingByKey("value").asString().isEqualTo("14");
        CallOutcome byZero = assertStatus(call(dispatcher.getService(), "calculator",
            Map.of("expression", "1 / 0")), Status.TOOL_ERROR);
        assertThat(byZero.errorCode()).isEqualTo("division_by_zero");

        // the calculator's tool comes and goes without this bundle hearing of it
        try {
            calculator.stop();
            await("the calculator to go with its bundle", () -> infos(registry.getService(), "calculator"),
                List::isEmpty);
            assertStatus(call(dispatcher.getService(), "calculator", Map.of("expression", "1")), Status.NOT_FOUND);
        } finally {
            Support.start(calculator);
        }
        awaitState(registry.getService(), "calculator", State.VISIBLE);
        assertThat(heard).noneMatch(e -> e.contains(Support.CALCULATOR) || e.endsWith(":calculator"));
        assertStatus(call(dispatcher.getService(), "calculator", Map.of("expression", "1 + 1")), Status.OK);
    }
}
