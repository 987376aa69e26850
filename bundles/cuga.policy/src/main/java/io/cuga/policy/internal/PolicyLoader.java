package io.cuga.policy.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.store.AuditRecord;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.policy.PolicyService;

/**
 * The policy loader: loads {@code <cuga.config>/policies/*.yaml}, compiles each document with the Guardrail
 * services its {@code guardrails} list names, activates it atomically per profile, and watches the folder
 * (polling, see {@link FolderPoller}). Provides {@link PolicyService} (the call path), {@link PolicyAdmin} (the
 * admin API) and the {@code policy} {@link ReadinessCheck}. All changes run on one thread of this
 * infrastructure bundle ({@code cuga-policy-loader}); guardrail code runs on {@code cuga-policy-compile} threads
 * with a deadline.
 */
@Component(service = {PolicyService.class, PolicyAdmin.class, ReadinessCheck.class},
    configurationPid = PolicyLoader.PID, immediate = true)
@Designate(ocd = PolicyLoader.Config.class)
public final class PolicyLoader implements PolicyService, PolicyAdmin, ReadinessCheck {

    /** The configuration PID. */
    static final String PID = "cuga.policy";

    /** The readiness check's name. */
    static final String CHECK_NAME = "policy";

    private static final Logger LOG = LoggerFactory.getLogger(PolicyLoader.class);
    private static final long ANSWER_SECONDS = 30;

    /** How the loader works. */
    @ObjectClassDefinition(name = "cuga policy loader",
        description = "Policy documents: one <profile>.yaml per profile, hot-reloaded.")
    public @interface Config {

        /** @return the policies folder, empty for the default */
        @AttributeDefinition(name = "Policies folder",
            description = "Where the policy documents are. Empty means ${cuga.config}/policies.")
        String directory() default "";

        /** @return the scan interval */
        @AttributeDefinition(name = "Scan interval (ms)",
            description = "How often the folder is scanned. A file is loaded once it is unchanged in two "
                + "consecutive scans, so an edit is active within about three intervals.")
        long poll_millis() default 200;

        /** @return how many activations are kept per profile */
        @AttributeDefinition(name = "History size",
            description = "Activations kept per profile, in memory, for history and rollback.")
        int history_size() default 50;

        /** @return the deadline of a guardrail's compile or tightening check */
        @AttributeDefinition(name = "Guardrail compile deadline (ms)",
            description = "A guardrail that takes longer to compile its section refuses the document.")
        long compile_timeout_millis() default 10_000;

        /** @return the profiles that must have a valid policy for the server to be ready */
        @AttributeDefinition(name = "Required profiles",
            description = "The readiness check 'policy' is not ready while one of these has no valid policy.")
        String[] required_profiles() default {"default"};
    }

    /** The effective configuration. */
    private record Settings(Path folder, long pollMillis, int historySize, long compileTimeoutMillis,
        List<String> requiredProfiles) {
    }

    private final ServiceGuardrails guardrails = new ServiceGuardrails();
    private final AtomicReference<EventPublisher> events = new AtomicReference<>();
    private final AtomicReference<AuditTrail> audit = new AtomicReference<>();
    /** Policy records the audit trail could not take yet (store away): written with the next one, oldest first. */
    private final java.util.Deque<AuditRecord> unaudited = new java.util.ArrayDeque<>();
    private static final int MAX_UNAUDITED = 1000;
    private final AtomicInteger compileThreads = new AtomicInteger();
    /** The document file names seen in the folder, confined to the loader thread. */
    private final List<String> knownNames = new ArrayList<>();

    private volatile Settings settings;
    private volatile boolean stopped;
    private volatile PolicyEngine engine;
    private volatile Guard guard;
    private MemoryHistory history;
    private ScheduledExecutorService loader;
    private ExecutorService compiler;
    private ScheduledFuture<?> polling;
    private FolderPoller poller;
    private volatile PolicyFolder folder;
    private Path configFolder;

    /**
     * Starts the loader thread, loads every document and starts watching.
     *
     * @param context the bundle context, for {@code cuga.config}
     * @param config the configuration
     * @throws Exception when the first load did not finish in time
     */
    @Activate
    void activate(BundleContext context, Config config) throws Exception {
        String configProperty = context.getProperty("cuga.config");
        configFolder = configProperty == null || configProperty.isBlank() ? null : Path.of(configProperty);
        settings = settings(config);
        history = new MemoryHistory(settings.historySize());
        compiler = Executors.newCachedThreadPool(threads(() -> "cuga-policy-compile-" + compileThreads
            .incrementAndGet()));
        guard = new Guard(compiler, settings.compileTimeoutMillis());
        loader = Executors.newSingleThreadScheduledExecutor(threads(() -> "cuga-policy-loader"));
        engine = new PolicyEngine(() -> guardrails, guardrails::present, history, () -> guard, new Reporter(),
            Clock.systemUTC(), this::labelOf);
        Future<?> first = loader.submit(() -> {
            useFolder(settings.folder());
            schedulePolling();
        });
        first.get(ANSWER_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Applies a new configuration in place.
     *
     * @param config the configuration
     */
    @Modified
    void modified(Config config) {
        Settings next = settings(config);
        submit(() -> {
            Settings previous = settings;
            settings = next;
            history.setLimit(next.historySize());
            guard = new Guard(compiler, next.compileTimeoutMillis());
            if (!java.util.Objects.equals(previous.folder(), next.folder())) {
                useFolder(next.folder());
            }
            if (previous.pollMillis() != next.pollMillis()) {
                schedulePolling();
            }
        });
    }

    /** Stops watching and the threads; the services are already unregistered. */
    @Deactivate
    void deactivate() {
        stopped = true;
        loader.shutdownNow();
        compiler.shutdownNow();
        try {
            loader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ----------------------------------------------------------------------------------------- references

    /**
     * @param guardrail a guardrail service
     * @param reference its reference, for its type, order, ranking and bundle
     */
    @Reference(service = Guardrail.class, cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
        updated = "updatedGuardrail", unbind = "unbindGuardrail")
    void bindGuardrail(Guardrail guardrail, ServiceReference<Guardrail> reference) {
        Object type = reference.getProperty(Guardrail.TYPE);
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        if (!(type instanceof String text) || text.isBlank()) {
            LOG.warn("Guardrail service {} ({}) ignored: it has no {} property", id, origin(reference),
                Guardrail.TYPE);
            return;
        }
        Object orderProperty = reference.getProperty(Guardrail.ORDER);
        Integer order = ServiceGuardrails.integer(orderProperty);
        if (order == null) {
            if (orderProperty != null) {
                LOG.warn("Guardrail '{}' ({}): {} '{}' is not a number; it runs at {}", text, origin(reference),
                    Guardrail.ORDER, orderProperty, ServiceGuardrails.DEFAULT_ORDER);
            }
            order = ServiceGuardrails.DEFAULT_ORDER;
        }
        Integer ranking = ServiceGuardrails.integer(reference.getProperty(Constants.SERVICE_RANKING));
        guardrails.add(new GuardrailCatalog.Provided(text.trim(), guardrail, order, id, origin(reference)),
            ranking == null ? 0 : ranking);
        LOG.info("Guardrail '{}' available from {} (order {})", text.trim(), origin(reference), order);
        guardrailsChanged();
    }

    /**
     * @param guardrail a guardrail service whose properties changed
     * @param reference its reference
     */
    void updatedGuardrail(Guardrail guardrail, ServiceReference<Guardrail> reference) {
        guardrails.remove((Long) reference.getProperty(Constants.SERVICE_ID));
        bindGuardrail(guardrail, reference);
    }

    /**
     * @param guardrail a guardrail service going away
     * @param reference its reference
     */
    void unbindGuardrail(Guardrail guardrail, ServiceReference<Guardrail> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        if (guardrails.present(id)) {
            guardrails.remove(id);
            if (stopped) {
                return;
            }
            LOG.info("Guardrail '{}' from {} went away", reference.getProperty(Guardrail.TYPE), origin(reference));
            guardrailsChanged();
        }
    }

    /** @param trail where activations, refusals and deactivations are audited */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindAuditTrail(AuditTrail trail) {
        audit.set(trail);
    }

    /** @param trail the trail going away */
    void unbindAuditTrail(AuditTrail trail) {
        audit.compareAndSet(trail, null);
    }

    /**
     * Writes a policy record to the audit trail, with any that could not be written before. A store that is away
     * does not stop a policy from activating (the old policy would otherwise keep serving a document an operator
     * has replaced): the record waits, bounded, and the failure is logged.
     */
    private void audit(AuditRecord record) {
        synchronized (unaudited) {
            unaudited.addLast(record);
            while (unaudited.size() > MAX_UNAUDITED) {
                AuditRecord lost = unaudited.removeFirst();
                LOG.error("Policy audit record of '{}' ({}) dropped: the audit trail has been unavailable for {} "
                    + "policy changes", lost.profile(), lost.reason(), MAX_UNAUDITED);
            }
            AuditTrail trail = audit.get();
            if (trail == null) {
                LOG.warn("No audit trail is running: the policy change of '{}' is audited when one is",
                    record.profile());
                return;
            }
            try {
                trail.append(List.copyOf(unaudited));
                unaudited.clear();
            } catch (RuntimeException e) {
                LOG.warn("The policy change of '{}' could not be audited yet ({}): retried with the next change",
                    record.profile(), e.getMessage());
            }
        }
    }

    private static AuditRecord policyRecord(String profile, String event, String decision, String reason,
        String author, Map<String, Object> attributes) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event", event);
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            if (e.getValue() != null) {
                data.put(e.getKey(), e.getValue());
            }
        }
        return new AuditRecord(0, java.util.UUID.randomUUID().toString().replace("-", ""), java.time.Instant.now(),
            AuditRecord.POLICY, "", "", profile, "", author, "", "", List.of(), decision, reason, "", 0, "", data,
            "", "");
    }

    /** @param publisher where events go */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindEventPublisher(EventPublisher publisher) {
        events.set(publisher);
    }

    /** @param publisher the publisher going away */
    void unbindEventPublisher(EventPublisher publisher) {
        events.compareAndSet(publisher, null);
    }

    private void guardrailsChanged() {
        if (engine != null) {
            submit(() -> engine.guardrailsChanged());
        }
    }

    // ------------------------------------------------------------------------------------------- services

    @Override
    public Optional<Policy> active(String profile) {
        PolicyEngine current = engine;
        return current == null || profile == null ? Optional.empty() : current.active(profile);
    }

    @Override
    public List<Policy> all() {
        PolicyEngine current = engine;
        return current == null ? List.of() : current.all();
    }

    @Override
    public List<ProfileState> profiles() {
        return engine.profiles();
    }

    @Override
    public Optional<ProfileState> profile(String profile) {
        return engine.profile(profile);
    }

    @Override
    public Policy put(String profile, byte[] document, String author) throws PolicyException, IOException {
        byte[] copy = document.clone();
        return onLoader(() -> engine.put(profile, copy, author, this::write));
    }

    @Override
    public List<Revision> history(String profile) {
        return engine.history(profile);
    }

    @Override
    public Policy rollback(String profile, long version, String author) throws PolicyException, IOException {
        return onLoader(() -> engine.rollback(profile, version, author, this::write));
    }

    @Override
    public String name() {
        return CHECK_NAME;
    }

    @Override
    public Readiness check() {
        PolicyEngine current = engine;
        if (current == null) {
            return new Readiness(false, "the policy loader is starting");
        }
        if (folder == null) {
            return new Readiness(false, "no policies folder: the framework property cuga.config is not set and "
                + PID + " directory is empty");
        }
        return current.readiness(settings.requiredProfiles());
    }

    // ------------------------------------------------------------------------------------ loader thread

    private void useFolder(Path path) {
        List<PolicyEngine.FileChange> changes = new ArrayList<>();
        if (poller != null) {
            for (String name : knownNames) {
                if (DocumentHeader.isName(profileOf(name))) {
                    changes.add(new PolicyEngine.FileChange(profileOf(name), folder.label(name), null));
                }
                engine.forgetFile(name);
            }
        }
        knownNames.clear();
        if (path == null) {
            LOG.warn("No policies folder: the framework property cuga.config is not set and {} directory is empty; "
                + "no policy is loaded and calls are denied", PID);
            folder = null;
            poller = null;
            engine.apply(changes);
            return;
        }
        folder = new PolicyFolder(path, configFolder);
        poller = new FolderPoller(path);
        FolderPoller.Scan scan = poller.initial();
        changes.removeIf(change -> scan.changed().containsKey(change.profile() + FolderPoller.SUFFIX));
        changes.addAll(changes(scan));
        LOG.info("Loading policies from {} ({} document(s))", path, scan.changed().size());
        engine.apply(changes);
        engine.guardrailsChanged();
    }

    private void schedulePolling() {
        if (polling != null) {
            polling.cancel(false);
        }
        long every = settings.pollMillis();
        polling = loader.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            if (poller == null) {
                return;
            }
            FolderPoller.Scan scan = poller.scan();
            for (String name : poller.drainIgnored()) {
                LOG.warn("{} is ignored: policy documents are named <profile>.yaml", folder.label(name));
            }
            if (!scan.isEmpty()) {
                engine.apply(changes(scan));
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Scanning the policies folder failed: {}", e.toString());
            LOG.debug("Scanning the policies folder failed", e);
        }
    }

    private List<PolicyEngine.FileChange> changes(FolderPoller.Scan scan) {
        List<PolicyEngine.FileChange> out = new ArrayList<>();
        for (String name : scan.deleted()) {
            knownNames.remove(name);
            engine.forgetFile(name);
            String profile = profileOf(name);
            if (DocumentHeader.isName(profile)) {
                out.add(new PolicyEngine.FileChange(profile, folder.label(name), null));
            }
        }
        for (Map.Entry<String, byte[]> entry : scan.changed().entrySet()) {
            String name = entry.getKey();
            if (!knownNames.contains(name)) {
                knownNames.add(name);
            }
            String profile = profileOf(name);
            if (DocumentHeader.isName(profile)) {
                out.add(new PolicyEngine.FileChange(profile, folder.label(name), entry.getValue()));
            } else {
                engine.refuseFile(name, folder.label(name), entry.getValue(), "the file name must be <profile>.yaml, "
                    + "the profile 1-64 of A-Z a-z 0-9 . _ -");
            }
        }
        return out;
    }

    private void write(String profile, byte[] bytes) throws IOException {
        if (folder == null) {
            throw new IOException("no policies folder is configured (framework property cuga.config, or " + PID
                + " directory)");
        }
        String name = folder.write(profile, bytes);
        poller.written(name, bytes);
        if (!knownNames.contains(name)) {
            knownNames.add(name);
        }
    }

    private void submit(Runnable task) {
        try {
            loader.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("The policy loader failed: {}", e.toString());
                    LOG.debug("The policy loader failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("The policy loader is stopping; a task was dropped");
        }
    }

    private <T> T onLoader(Callable<T> task) throws PolicyException, IOException {
        Future<T> future;
        try {
            future = loader.submit(task);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the policy loader is stopping");
        }
        try {
            return future.get(ANSWER_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PolicyException policy) {
                throw policy;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(String.valueOf(cause), cause);
        } catch (java.util.concurrent.CancellationException e) {
            throw new IllegalStateException("the policy loader is stopping");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the policy loader did not answer within " + ANSWER_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the policy loader");
        }
    }

    // --------------------------------------------------------------------------------------------- helpers

    private String labelOf(String profile) {
        PolicyFolder current = folder;
        return current == null ? profile + FolderPoller.SUFFIX : current.labelOf(profile);
    }

    private static String profileOf(String fileName) {
        return fileName.substring(0, fileName.length() - FolderPoller.SUFFIX.length());
    }

    private Settings settings(Config config) {
        Path path;
        if (config.directory() != null && !config.directory().isBlank()) {
            path = Path.of(config.directory().trim()).toAbsolutePath();
        } else {
            path = configFolder == null ? null : configFolder.resolve("policies").toAbsolutePath();
        }
        long poll = config.poll_millis();
        if (poll < 10) {
            LOG.warn("{}: poll.millis must be at least 10, not {}; using 200", PID, poll);
            poll = 200;
        }
        long timeout = config.compile_timeout_millis() <= 0 ? 10_000 : config.compile_timeout_millis();
        List<String> required = new ArrayList<>();
        for (String value : config.required_profiles()) {
            // a .cfg file delivers a list as one comma-separated string
            for (String name : value == null ? new String[0] : value.split(",")) {
                if (!name.isBlank()) {
                    required.add(name.trim());
                }
            }
        }
        return new Settings(path, poll, Math.max(1, config.history_size()), timeout, List.copyOf(required));
    }

    private static String origin(ServiceReference<?> reference) {
        var bundle = reference.getBundle();
        return bundle == null ? "a bundle that is gone" : bundle.getSymbolicName() + " " + bundle.getVersion();
    }

    private static ThreadFactory threads(java.util.function.Supplier<String> names) {
        return runnable -> {
            Thread thread = new Thread(runnable, names.get());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Logs (one line each, no stack trace) and publishes events. */
    private final class Reporter implements PolicyEngine.Listener {

        @Override
        public void activated(PolicyImpl policy, PolicyImpl previous, String note, long nanos) {
            LOG.info("Policy '{}' v{} activated from {} by {} ({}; guardrails {}){}", policy.profile(),
                policy.version(), policy.source(), policy.author(), shortDigest(policy.digest()),
                String.join(", ", policy.guardrails()), note.isEmpty() ? "" : ": " + note);
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("version", policy.version());
            attributes.put("digest", policy.digest());
            attributes.put("author", policy.author());
            attributes.put("source", policy.source());
            attributes.put("guardrails", policy.guardrails());
            attributes.put("active", true);
            if (previous != null) {
                attributes.put("previousVersion", previous.version());
            }
            if (!note.isEmpty()) {
                attributes.put("note", note);
            }
            publish(EventTypes.POLICY_RELOADED, policy.profile(), "ok", nanos, attributes);
            audit(policyRecord(policy.profile(), "activated", "ALLOW", "policy v" + policy.version() + " activated"
                + (note.isEmpty() ? "" : " (" + note + ")"), policy.author(), attributes));
        }

        @Override
        public void refused(Refusal refusal, PolicyImpl serving) {
            PolicyException error = refusal.error();
            LOG.warn("Policy document for '{}' from {} refused ({}): {}", refusal.profile(),
                PolicyEngine.API_SOURCE.equals(refusal.source()) ? "the API (" + refusal.author() + ")"
                    : refusal.source(),
                serving == null ? "no policy serves the profile" : "v" + serving.version() + " keeps serving",
                error.toString());
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("digest", refusal.digest());
            attributes.put("author", refusal.author());
            attributes.put("source", refusal.source());
            attributes.put("file", error.file());
            attributes.put("line", error.line());
            attributes.put("column", error.column());
            attributes.put("path", error.path());
            attributes.put("message", error.getMessage());
            if (serving != null) {
                attributes.put("activeVersion", serving.version());
            }
            publish(EventTypes.POLICY_REJECTED, refusal.profile(), "error", 0, attributes);
            audit(policyRecord(refusal.profile(), "refused", "DENY", error.toString(), refusal.author(), attributes));
        }

        @Override
        public void deactivated(PolicyImpl previous, String reason) {
            LOG.warn("Policy '{}' v{} deactivated: {}; calls under profile '{}' are denied", previous.profile(),
                previous.version(), reason, previous.profile());
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("version", previous.version());
            attributes.put("digest", previous.digest());
            attributes.put("active", false);
            attributes.put("reason", reason);
            publish(EventTypes.POLICY_RELOADED, previous.profile(), "removed", 0, attributes);
            audit(policyRecord(previous.profile(), "deactivated", "DENY", reason, "", attributes));
        }

        @Override
        public void guardrailsMissing(PolicyImpl policy, List<String> types) {
            LOG.warn("Policy '{}' v{} needs guardrail type {}, whose bundle is gone: calls under profile '{}' are "
                + "denied until it returns", policy.profile(), policy.version(), String.join(", ", types),
                policy.profile());
        }

        private void publish(String type, String profile, String status, long nanos, Map<String, Object> attributes) {
            EventPublisher publisher = events.get();
            if (publisher == null) {
                return;
            }
            try {
                publisher.publish(new Event(type, null, "", profile, "", status, nanos, attributes));
            } catch (RuntimeException e) {
                LOG.debug("The event publisher threw on {}: {}", type, e.toString());
            }
        }

        private String shortDigest(String digest) {
            return digest.length() > 19 ? digest.substring(0, 19) + "..." : digest;
        }
    }
}
