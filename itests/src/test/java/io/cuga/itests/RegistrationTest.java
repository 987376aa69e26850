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

import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceRegistration;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolInfo.State;
import io.cuga.api.tool.Tool;

/** Registrations come and go: invalid ones are refused with a reason, withdrawn ones end their calls. */
class RegistrationTest extends InFrameworkTest {

    private Diagnostic awaitRefusal(String name) {
        return await("a tool_refused diagnostic for '" + name + "'", () -> registry.getService().diagnostics(),
            l -> l.stream().anyMatch(d -> d.kind().equals("tool_refused") && d.subject().contains("'" + name + "'")))
            .stream().filter(d -> d.kind().equals("tool_refused") && d.subject().contains("'" + name + "'"))
            .findFirst().orElseThrow();
    }

    @Test
    void aBadNameIsRefusedWithAReason() throws Exception {
        String name = "bad name!";
        // even a blanket allowlist does not let an invalid registration through
        allow(cm, List.of("*"), List.of(bsn));
        ServiceRegistration<Tool> registration = context.registerService(Tool.class, call -> "no",
            toolProps(name));
        try {
            ToolInfo info = awaitState(registry.getService(), name, State.REFUSED);

            assertThat(info.reason()).contains("invalid tool name").contains(name);
            assertThat(info.descriptor()).isNull();
            Diagnostic diagnostic = awaitRefusal(name);
            assertThat(diagnostic.subject()).contains(bsn);
            assertThat(diagnostic.message()).contains("invalid tool name");
            assertThat(diagnostic.at()).isNotNull();
            assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);
        } finally {
            registration.unregister();
        }
        await("the refusal to clear once the registration is gone", () -> registry.getService().diagnostics(),
            l -> l.stream().noneMatch(d -> d.subject().contains("'" + name + "'")));
    }

    @Test
    void aBadSchemaIsRefusedWithAReason() throws Exception {
        String notJson = unique("notjson");
        String notObject = unique("notobject");
        String missingResource = unique("noresource");
        allow(cm, List.of(notJson, notObject, missingResource), List.of(bsn));
        context.registerService(Tool.class, call -> "no", toolProps(notJson, Tool.SCHEMA, "{\"type\": "));
        context.registerService(Tool.class, call -> "no",
            toolProps(notObject, Tool.SCHEMA, "{\"type\":\"string\"}"));
        context.registerService(Tool.class, call -> "no",
            toolProps(missingResource, Tool.SCHEMA, "/schemas/not-there.json"));

        assertThat(awaitState(registry.getService(), notJson, State.REFUSED).reason()).contains("not valid JSON");
        assertThat(awaitState(registry.getService(), notObject, State.REFUSED).reason()).contains("object");
        assertThat(awaitState(registry.getService(), missingResource, State.REFUSED).reason())
            .contains("/schemas/not-there.json");
        assertThat(awaitRefusal(notJson).message()).contains("not valid JSON");
        awaitRefusal(notObject);
        awaitRefusal(missingResource);
        assertStatus(call(dispatcher.getService(), notJson, Map.of()), Status.NOT_FOUND);
        assertStatus(call(dispatcher.getService(), notObject, Map.of()), Status.NOT_FOUND);
    }

    @Test
    void aDuplicateNameIsRefusedAndTakesOverWhenTheFirstGoesAway() throws Exception {
        String name = unique("dup");
        allow(cm, List.of(name), List.of(bsn));
        ServiceRegistration<Tool> first = context.registerService(Tool.class, call -> "first", toolProps(name));
        awaitState(registry.getService(), name, State.VISIBLE);
        ServiceRegistration<Tool> second = context.registerService(Tool.class, call -> "second", toolProps(name));

        List<ToolInfo> both = await("two registrations of " + name, () -> infos(registry.getService(), name),
            l -> l.size() == 2);
        assertThat(both).extracting(ToolInfo::state).containsExactlyInAnyOrder(State.VISIBLE, State.REFUSED);
        ToolInfo refused = both.stream().filter(i -> i.state() == State.REFUSED).findFirst().orElseThrow();
        assertThat(refused.reason()).contains("duplicate").contains(name);
        assertThat(awaitRefusal(name).message()).contains("duplicate");
        assertThat(assertStatus(call(dispatcher.getService(), name, Map.of()), Status.OK).result())
            .isEqualTo("first");

        first.unregister();

        awaitState(registry.getService(), name, State.VISIBLE);
        assertThat(assertStatus(call(dispatcher.getService(), name, Map.of()), Status.OK).result())
            .isEqualTo("second");
        await("the duplicate diagnostic to clear", () -> registry.getService().diagnostics(),
            l -> l.stream().noneMatch(d -> d.subject().contains("'" + name + "'")));
        second.unregister();
        await(name + " to be gone", () -> infos(registry.getService(), name), List::isEmpty);
        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.NOT_FOUND);
    }

    @Test
    void aCallInFlightWhenItsToolIsWithdrawnEndsUnavailableAtOnce() throws Exception {
        String name = unique("withdrawn");
        Support.GatedTool tool = new Support.GatedTool();
        ServiceRegistration<Tool> registration = context.registerService(Tool.class, tool,
            toolProps(name, Tool.TIMEOUT_MILLIS, 20_000L));
        allow(cm, List.of(name), List.of(bsn));
        awaitState(registry.getService(), name, State.VISIBLE);
        Dispatcher d = dispatcher.getService();

        Future<CallOutcome> running = callers.submit(() -> call(d, name, Map.of()));
        tool.awaitEntered(1);
        long start = System.nanoTime();
        registration.unregister();

        // far sooner than the 20 s timeout
        CallOutcome outcome = running.get(5, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertStatus(outcome, Status.UNAVAILABLE);
        assertThat(outcome.errorCode()).isEqualTo("tool_unavailable");
        assertThat(outcome.status().httpStatus()).isEqualTo(503);
        assertThat(outcome.message()).contains(name);
        assertThat(tookMillis).as("ended promptly").isLessThan(5_000L);
        assertThat(tool.interrupted.await(5, TimeUnit.SECONDS)).as("the tool's thread was interrupted").isTrue();
        assertThat(tool.lastCall.cancelled()).isTrue();

        assertStatus(call(d, name, Map.of()), Status.NOT_FOUND);
        assertThat(infos(registry.getService(), name)).isEmpty();
    }

    @Test
    void aRegistrationThatChangesItsPropertiesIsReadAgain() throws Exception {
        String before = unique("renamed-from");
        String after = unique("renamed-to");
        allow(cm, List.of(before, after), List.of(bsn));
        ServiceRegistration<Tool> registration = context.registerService(Tool.class,
            call -> call.tool(), toolProps(before));
        awaitState(registry.getService(), before, State.VISIBLE);

        registration.setProperties(toolProps(after));

        awaitState(registry.getService(), after, State.VISIBLE);
        assertThat(infos(registry.getService(), before)).isEmpty();
        assertStatus(call(dispatcher.getService(), before, Map.of()), Status.NOT_FOUND);
        assertThat(assertStatus(call(dispatcher.getService(), after, Map.of()), Status.OK).result())
            .isEqualTo(after);

        // and a bad change is refused like a bad registration
        registration.setProperties(toolProps("not valid!"));
        assertThat(awaitState(registry.getService(), "not valid!", State.REFUSED).reason())
            .contains("invalid tool name");
        assertStatus(call(dispatcher.getService(), after, Map.of()), Status.NOT_FOUND);
    }
}
