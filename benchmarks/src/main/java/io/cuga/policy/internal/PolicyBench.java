package io.cuga.policy.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.policy.PolicyService;

/**
 * The policy loader as the server runs it, without OSGi and without the folder: the guardrails found on the
 * class path (as {@code ./cuga policy check} finds them) registered under service ids as the loader's
 * {@code bindGuardrail} registers services, the loader's {@link PolicyEngine} with its compile pool and
 * deadline, in-memory history of 50, and {@link PolicyService} answering from the engine as
 * {@link PolicyLoader#active(String)} does. Differences from the server: no log line and no event per
 * activation, and documents arrive as bytes instead of from the folder poller.
 *
 * <p>Public for the benchmarks; it lives in the loader's package because the engine and compiler are package
 * private.
 */
public final class PolicyBench implements AutoCloseable {

    /** The loader's default {@code compile.timeout.millis}. */
    static final long COMPILE_TIMEOUT_MILLIS = 10_000;

    /** The loader's default {@code history.size}. */
    static final int HISTORY = 50;

    private final ServiceGuardrails guardrails = new ServiceGuardrails();
    private final ExecutorService compiler;
    private final Guard guard;
    private final PolicyEngine engine;
    private final AtomicLong activations = new AtomicLong();
    private final AtomicReference<PolicyAdmin.Refusal> lastRefusal = new AtomicReference<>();
    private final PolicyService service;

    /** Finds the guardrails on the class path and starts the engine; fails when one of them is unusable. */
    public PolicyBench() {
        ClassPathGuardrails found = ClassPathGuardrails.load(PolicyBench.class.getClassLoader());
        if (!found.problems().isEmpty()) {
            throw new IllegalStateException("guardrails on the class path: " + String.join("; ", found.problems()));
        }
        long id = 1;
        for (String type : found.types()) {
            GuardrailCatalog.Provided provided = found.find(type);
            guardrails.add(new GuardrailCatalog.Provided(type, provided.guardrail(), provided.order(), id++,
                provided.origin()), 0);
        }
        AtomicInteger threads = new AtomicInteger();
        compiler = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "cuga-policy-compile-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        guard = new Guard(compiler, COMPILE_TIMEOUT_MILLIS);
        engine = new PolicyEngine(() -> guardrails, guardrails::present, new MemoryHistory(HISTORY), () -> guard,
            new Listener(), Clock.systemUTC(), PolicyBench::label);
        service = new PolicyService() {
            @Override
            public Optional<Policy> active(String profile) {
                return profile == null ? Optional.empty() : engine.active(profile);
            }

            @Override
            public List<Policy> all() {
                return engine.all();
            }
        };
    }

    /** @return the guardrail types found */
    public Set<String> types() {
        return guardrails.types();
    }

    /** @return the active policies, as the dispatcher's chain reads them */
    public PolicyService service() {
        return service;
    }

    /**
     * What the loader does with a new or edited {@code policies/<profile>.yaml}: parse, validate, compile with
     * every guardrail on the compile pool, activate as the next version (history, atomic swap).
     *
     * @param profile the profile (the file name)
     * @param bytes the document; it must differ from the active one to activate
     * @return the policy now active
     * @throws IllegalStateException when the document was refused or did not activate
     */
    public Policy load(String profile, byte[] bytes) {
        long before = activations.get();
        engine.apply(List.of(new PolicyEngine.FileChange(profile, label(profile), bytes)));
        if (activations.get() == before) {
            PolicyAdmin.Refusal refusal = lastRefusal.get();
            throw new IllegalStateException("the document of profile '" + profile + "' did not activate"
                + (refusal == null ? " (the same as the active one?)" : ": " + refusal.error()));
        }
        return engine.activePolicy(profile);
    }

    /**
     * The compilation alone, on the caller's thread (as the CLI does): parse, validate, compile with every
     * guardrail, and wrap as the activatable policy the engine would swap in.
     *
     * @param profile the profile
     * @param bytes the document
     * @return the policy, not activated
     * @throws PolicyException when the document is refused
     */
    public Policy compile(String profile, byte[] bytes) throws PolicyException {
        try {
            PolicyCompiler.Compiled compiled = new PolicyCompiler(guardrails, PolicyCompiler.NO_PARENTS, Guard.DIRECT)
                .compile(bytes, label(profile), profile);
            return new PolicyImpl(compiled, 1, label(profile), PolicyEngine.FILE_AUTHOR, Instant.now(), bytes,
                guardrails::present);
        } catch (PolicyCompiler.Refused e) {
            throw e.error();
        }
    }

    /**
     * @param bytes a document
     * @return its parsed tree (the first step of every compilation)
     * @throws PolicyException when it does not parse
     */
    public static Object parse(byte[] bytes) throws PolicyException {
        return YamlTree.parse(bytes, "policies/bench.yaml").root();
    }

    @Override
    public void close() {
        compiler.shutdownNow();
    }

    private static String label(String profile) {
        return "policies/" + profile + FolderPoller.SUFFIX;
    }

    private final class Listener implements PolicyEngine.Listener {
        @Override
        public void activated(PolicyImpl policy, PolicyImpl previous, String note, long nanos) {
            activations.incrementAndGet();
        }

        @Override
        public void refused(PolicyAdmin.Refusal refusal, PolicyImpl serving) {
            lastRefusal.set(refusal);
        }

        @Override
        public void deactivated(PolicyImpl previous, String reason) {
        }

        @Override
        public void guardrailsMissing(PolicyImpl policy, List<String> types) {
        }
    }
}
