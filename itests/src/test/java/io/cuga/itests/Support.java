package io.cuga.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;

/** What the in-framework tests share: bounded polling, configuration, tool registrations and test tools. */
final class Support {

    /** The PIDs the orchestrator reads (see its metatype): the allowlist and the dispatcher. */
    static final String ALLOWLIST = "cuga.allowlist";
    static final String DISPATCHER = "cuga.dispatcher";

    /** How long anything asynchronous (configuration, service events) may take before a test fails. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private Support() {
    }

    /** A tool name no other test uses, so a leftover configuration can never make a test pass by accident. */
    static String unique(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet();
    }

    /**
     * Polls until {@code done} holds for what {@code probe} returns, for at most {@link #WAIT}.
     *
     * @return the value that satisfied {@code done}
     * @throws AssertionError naming {@code what} and the last value seen when time runs out
     */
    static <T> T await(String what, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toMillis() + " ms waiting for " + what
                    + "; last seen: " + last);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
            last = probe.get();
        }
        return last;
    }

    /** Starts a bundle the test just installed; the diagnostics must never make a start fail. */
    static void start(Bundle bundle) throws BundleException {
        bundle.start();
    }

    /** The symbolic name of the calculator tool bundle of the distribution. */
    static final String CALCULATOR = "cuga.tool.calculator";

    /** The installed bundle with that symbolic name, or null. */
    static Bundle bundle(BundleContext context, String bsn) {
        for (Bundle bundle : context.getBundles()) {
            if (bsn.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        return null;
    }

    /** Sets the allowlist: the tool name patterns and the bundle patterns a visible tool must both match. */
    static void allow(ConfigurationAdmin cm, List<String> tools, List<String> bundles) throws IOException {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("tools", tools.toArray(new String[0]));
        props.put("bundles", bundles.toArray(new String[0]));
        configure(cm, ALLOWLIST, props);
    }

    /** Creates or replaces a configuration, bound to whichever bundle uses it (the orchestrator's SCR). */
    static void configure(ConfigurationAdmin cm, String pid, Dictionary<String, Object> props) throws IOException {
        Configuration configuration = cm.getConfiguration(pid, "?");
        configuration.update(props);
    }

    /** Deletes a configuration if there is one. */
    static void delete(ConfigurationAdmin cm, String pid) throws IOException {
        Configuration[] found;
        try {
            found = cm.listConfigurations("(service.pid=" + pid + ")");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        if (found != null) {
            for (Configuration configuration : found) {
                configuration.delete();
            }
        }
    }

    /** Every tracked registration of a tool name, as the registry lists them. */
    static List<ToolInfo> infos(ToolRegistry registry, String name) {
        return registry.all().stream().filter(i -> i.name().equals(name)).collect(Collectors.toList());
    }

    /** Waits until the registry lists exactly one registration of {@code name} and it is in {@code state}. */
    static ToolInfo awaitState(ToolRegistry registry, String name, ToolInfo.State state) {
        List<ToolInfo> found = await("tool '" + name + "' to be " + state, () -> infos(registry, name),
            l -> l.size() == 1 && l.get(0).state() == state);
        return found.get(0);
    }

    /** Waits until the dispatcher's service properties show a configuration value, so the new value is live. */
    static void awaitDispatcherProperty(Supplier<ServiceReference<Dispatcher>> reference, String key,
        Object value) {
        await("dispatcher property " + key + "=" + value, () -> {
            ServiceReference<Dispatcher> ref = reference.get();
            return ref == null ? null : ref.getProperty(key);
        }, v -> v != null && Objects.equals(String.valueOf(v), String.valueOf(value)));
    }

    /** Service properties of a tool registration; {@code more} are key, value pairs. */
    static Dictionary<String, Object> toolProps(String name, Object... more) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Tool.NAME, name);
        props.put(Tool.DESCRIPTION, "in-framework test tool " + name);
        for (int i = 0; i + 1 < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        return props;
    }

    static CallOutcome call(Dispatcher dispatcher, String tool, Map<String, Object> arguments) {
        return dispatcher.dispatch(new CallRequest(tool, arguments, "itest", "default", "", ""));
    }

    /** Asserts an outcome's status, printing the whole outcome when it differs. */
    static CallOutcome assertStatus(CallOutcome outcome, CallOutcome.Status status) {
        assertThat(outcome.status()).as("outcome %s", outcome).isEqualTo(status);
        return outcome;
    }

    /**
     * A tool that blocks until the test opens its gate, and records whether its thread was interrupted. It
     * never blocks longer than 30 s, so a failing test cannot hang the run.
     */
    static final class GatedTool implements Tool {
        final Semaphore entered = new Semaphore(0);
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final AtomicInteger finished = new AtomicInteger();
        volatile ToolCall lastCall;

        @Override
        public Object invoke(ToolCall call) throws Exception {
            lastCall = call;
            entered.release();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new ToolException("gate_closed", "the test never opened the gate");
                }
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            finished.incrementAndGet();
            return Map.of("released", true);
        }

        /** Waits until {@code calls} calls are inside the tool. */
        void awaitEntered(int calls) throws InterruptedException {
            assertThat(entered.tryAcquire(calls, WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("%d call(s) entered the tool", calls).isTrue();
        }

        void open() {
            gate.countDown();
        }
    }
}
