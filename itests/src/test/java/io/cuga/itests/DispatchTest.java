package io.cuga.itests;

import static io.cuga.itests.Support.DISPATCHER;
import static io.cuga.itests.Support.allow;
import static io.cuga.itests.Support.assertStatus;
import static io.cuga.itests.Support.awaitState;
import static io.cuga.itests.Support.call;
import static io.cuga.itests.Support.toolProps;
import static io.cuga.itests.Support.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallOutcome.Status;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo.State;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolException;

/** How every ending of a call reaches the caller: results, bad arguments, tool errors, timeouts, overload. */
class DispatchTest extends InFrameworkTest {

    private static final String COUNT_SCHEMA = "{\"type\":\"object\","
        + "\"properties\":{\"count\":{\"type\":\"integer\",\"minimum\":1},\"label\":{\"type\":\"string\"}},"
        + "\"required\":[\"count\"]}";

    private final List<String> names = new ArrayList<>();
    /** Registers a tool from this bundle and allowlists every tool this test registered so far. */
    private String register(String prefix, Tool tool, Object... props) throws Exception {
        String name = unique(prefix);
        context.registerService(Tool.class, tool, toolProps(name, props));
        names.add(name);
        allow(cm, names, List.of(context.getBundle().getSymbolicName()));
        awaitState(registry.getService(), name, State.VISIBLE);
        return name;
    }

    @Test
    void aToolSeesItsValidatedArgumentsAndTheCallContext() throws Exception {
        String name = register("echo", call -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("tool", call.tool());
            out.put("arguments", call.arguments());
            out.put("caller", call.caller());
            out.put("profile", call.profile());
            out.put("callId", call.callId());
            out.put("traceId", call.traceId());
            out.put("deadlineInFuture", call.deadline().isAfter(java.time.Instant.now()));
            out.put("cancelled", call.cancelled());
            return out;
        }, Tool.SCHEMA, COUNT_SCHEMA);

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of("count", 3, "label", "x")),
            Status.OK);

        @SuppressWarnings("unchecked")
        Map<String, Object> seen = (Map<String, Object>) outcome.result();
        assertThat(seen).containsEntry("tool", name)
            .containsEntry("arguments", Map.of("count", 3, "label", "x"))
            .containsEntry("caller", "itest")
            .containsEntry("profile", "default")
            .containsEntry("callId", outcome.callId())
            .containsEntry("traceId", outcome.traceId())
            .containsEntry("deadlineInFuture", true)
            .containsEntry("cancelled", false);
        assertThat(outcome.traceId()).matches("[0-9a-f]{32}");
        assertThat(outcome.errorCode()).isNull();
        assertThat(outcome.durationNanos()).isPositive();
    }

    @Test
    void argumentsThatBreakTheSchemaNeverReachTheTool() throws Exception {
        Support.GatedTool never = new Support.GatedTool();
        String name = register("schema", never, Tool.SCHEMA, COUNT_SCHEMA);
        Dispatcher d = dispatcher.getService();

        CallOutcome wrongType = assertStatus(call(d, name, Map.of("count", "three")), Status.INVALID_ARGUMENTS);
        assertThat(wrongType.errorCode()).isEqualTo("invalid_arguments");
        assertThat(wrongType.details()).containsEntry("field", "count");
        assertThat(wrongType.message()).contains("count");
        assertThat(wrongType.status().httpStatus()).isEqualTo(422);

        CallOutcome tooSmall = assertStatus(call(d, name, Map.of("count", 0)), Status.INVALID_ARGUMENTS);
        assertThat(tooSmall.details()).containsEntry("field", "count");

        CallOutcome missing = assertStatus(call(d, name, Map.of("label", "x")), Status.INVALID_ARGUMENTS);
        assertThat(missing.details()).containsEntry("field", "count");

        assertThat(never.entered.availablePermits()).as("the tool never ran").isZero();
    }

    @Test
    void anUnknownArgumentIsRejected() throws Exception {
        Support.GatedTool never = new Support.GatedTool();
        String name = register("strict", never, Tool.SCHEMA, COUNT_SCHEMA);

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of("count", 1, "sneaky", true)),
            Status.INVALID_ARGUMENTS);

        assertThat(outcome.details()).containsEntry("field", "sneaky");
        assertThat(outcome.message()).contains("sneaky");
        assertThat(never.entered.availablePermits()).isZero();
    }

    @Test
    void aToolWithoutSchemaTakesNoArguments() throws Exception {
        String name = register("noargs", call -> "fine");

        assertStatus(call(dispatcher.getService(), name, Map.of()), Status.OK);
        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of("x", 1)),
            Status.INVALID_ARGUMENTS);
        assertThat(outcome.details()).containsEntry("field", "x");
    }

    @Test
    void aToolExceptionReachesTheCallerWithTheToolsCodeAndMessage() throws Exception {
        String name = register("divider", call -> {
            throw new ToolException("division_by_zero", "cannot divide 1 by 0");
        });

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.TOOL_ERROR);

        assertThat(outcome.errorCode()).isEqualTo("division_by_zero");
        assertThat(outcome.message()).isEqualTo("cannot divide 1 by 0");
        assertThat(outcome.details()).containsEntry("toolErrorCode", "division_by_zero");
        assertThat(outcome.status().httpStatus()).isEqualTo(400);
        assertThat(outcome.result()).isNull();
    }

    @Test
    void anUnexpectedFailureNamesTheToolWithoutAStackTrace() throws Exception {
        String name = register("broken", call -> {
            throw new IllegalStateException("internal detail: db password is hunter2");
        });

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.TOOL_FAILED);

        assertThat(outcome.errorCode()).isEqualTo("tool_failed");
        assertThat(outcome.message()).contains(name)
            .doesNotContain("\n")
            .doesNotContain("\tat ")
            .doesNotContain("at io.cuga")
            .doesNotContain("hunter2");
        assertThat(outcome.status().httpStatus()).isEqualTo(500);
    }

    @Test
    void aResultThatIsNotJsonIsAFailure() throws Exception {
        String name = register("nonjson", call -> Map.of("when", new Object()));
        String nan = register("nan", call -> List.of(1.0, Double.NaN));

        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.TOOL_FAILED);
        assertThat(outcome.message()).contains(name).contains("not JSON");
        assertThat(outcome.result()).isNull();

        assertStatus(call(dispatcher.getService(), nan, Map.of()), Status.TOOL_FAILED);
    }

    @Test
    void aToolThatOverrunsItsTimeoutTimesOutAndIsInterrupted() throws Exception {
        Support.GatedTool slow = new Support.GatedTool();
        String name = register("slow", slow, Tool.TIMEOUT_MILLIS, 300L);

        long start = System.nanoTime();
        CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.TIMEOUT);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(outcome.errorCode()).isEqualTo("tool_timeout");
        assertThat(outcome.message()).contains(name).contains("300");
        assertThat(outcome.status().httpStatus()).isEqualTo(504);
        assertThat(tookMillis).as("the caller waited about the tool's timeout").isBetween(250L, 5_000L);
        assertThat(slow.interrupted.await(5, TimeUnit.SECONDS)).as("the tool's thread was interrupted").isTrue();
        assertThat(slow.lastCall.cancelled()).as("the call reads as cancelled").isTrue();
    }

    @Test
    void aHangingToolFillsOnlyItsOwnBulkhead() throws Exception {
        Hashtable<String, Object> config = new Hashtable<>();
        config.put("tool.concurrency", 2);
        Support.configure(cm, DISPATCHER, config);
        try {
            Support.awaitDispatcherProperty(dispatcher::getServiceReference, "tool.concurrency", 2);
            Support.GatedTool hanging = new Support.GatedTool();
            String name = register("hanging", hanging, Tool.TIMEOUT_MILLIS, 20_000L);
            String other = register("other", call -> "still here");
            Dispatcher d = dispatcher.getService();

            Future<CallOutcome> first = callers.submit(() -> call(d, name, Map.of()));
            Future<CallOutcome> second = callers.submit(() -> call(d, name, Map.of()));
            hanging.awaitEntered(2);

            CallOutcome third = assertStatus(call(d, name, Map.of()), Status.OVERLOADED);
            assertThat(third.errorCode()).isEqualTo("tool_busy");
            assertThat(third.status().httpStatus()).isEqualTo(503);
            assertThat(assertStatus(call(d, other, Map.of()), Status.OK).result()).isEqualTo("still here");

            hanging.open();
            assertStatus(first.get(10, TimeUnit.SECONDS), Status.OK);
            assertStatus(second.get(10, TimeUnit.SECONDS), Status.OK);
            // the permits came back
            assertStatus(call(d, name, Map.of()), Status.OK);
        } finally {
            Support.delete(cm, DISPATCHER);
        }
    }

    @Test
    void theDefaultTimeoutComesFromTheDispatcherConfiguration() throws Exception {
        Hashtable<String, Object> config = new Hashtable<>();
        config.put("default.timeout.millis", 400L);
        Support.configure(cm, DISPATCHER, config);
        try {
            Support.awaitDispatcherProperty(dispatcher::getServiceReference, "default.timeout.millis", 400);
            Support.GatedTool slow = new Support.GatedTool();
            String name = register("defaulttimeout", slow);

            CallOutcome outcome = assertStatus(call(dispatcher.getService(), name, Map.of()), Status.TIMEOUT);

            assertThat(outcome.details()).containsEntry("timeoutMillis", 400L);
            assertThat(slow.interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            Support.delete(cm, DISPATCHER);
        }
    }

    /**
     * The dispatcher takes its configuration live (pool size, timeouts): a lower per-tool concurrency must hold
     * for a tool that was already called before the change, not only for tools called for the first time.
     */
    @Test
    void aLoweredBulkheadAppliesToToolsAlreadyCalled() throws Exception {
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> gate =
            new java.util.concurrent.atomic.AtomicReference<>(new java.util.concurrent.CountDownLatch(0));
        java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
        String name = register("rebulkhead", call -> {
            entered.release();
            if (!gate.get().await(30, TimeUnit.SECONDS)) {
                throw new ToolException("gate_closed", "the test never opened the gate");
            }
            return "done";
        }, Tool.TIMEOUT_MILLIS, 20_000L);
        Dispatcher d = dispatcher.getService();
        // called once under the default concurrency
        assertStatus(call(d, name, Map.of()), Status.OK);
        entered.drainPermits();

        Hashtable<String, Object> config = new Hashtable<>();
        config.put("tool.concurrency", 2);
        Support.configure(cm, DISPATCHER, config);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        try {
            Support.awaitDispatcherProperty(dispatcher::getServiceReference, "tool.concurrency", 2);
            gate.set(closed);
            Future<CallOutcome> first = callers.submit(() -> call(d, name, Map.of()));
            Future<CallOutcome> second = callers.submit(() -> call(d, name, Map.of()));
            assertThat(entered.tryAcquire(2, 10, TimeUnit.SECONDS)).as("two calls entered the tool").isTrue();

            Future<CallOutcome> third = callers.submit(() -> call(d, name, Map.of()));
            CallOutcome outcome;
            try {
                outcome = third.get(10, TimeUnit.SECONDS); // refused at once; a bulkhead of the old size blocks ~30 s
            } catch (java.util.concurrent.TimeoutException e) {
                outcome = null;
            }
            assertThat(outcome)
                .as("a third call with tool.concurrency=2 is refused at once; instead it entered the tool "
                    + "(entered now: %d), so the bulkhead kept the size it had before the change",
                    entered.availablePermits())
                .isNotNull();
            assertStatus(outcome, Status.OVERLOADED);
            closed.countDown();
            assertStatus(first.get(10, TimeUnit.SECONDS), Status.OK);
            assertStatus(second.get(10, TimeUnit.SECONDS), Status.OK);
        } finally {
            closed.countDown();
            Support.delete(cm, DISPATCHER);
        }
    }
}
