package io.cuga.policy.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;

/**
 * The state of every profile and the rules that move it: a document arrives (file or API), is compiled, and
 * either activates as a new version (an immutable {@link PolicyImpl} swapped in, so calls that took the old one
 * keep it) or is refused while the previous version keeps serving. Activating a profile re-evaluates the
 * profiles that extend it; a change of the installed guardrails retries refused documents and recompiles
 * policies whose guardrail came back.
 *
 * <p>Not thread-safe for changes: every mutating method runs on one thread (the loader's). The read methods
 * ({@link #active(String)}, {@link #all()}, {@link #profiles()}, {@link #readiness(List)}, history) may be
 * called from any thread: they read published, immutable or concurrent state.
 */
final class PolicyEngine {

    /** What happens, for logs and events. Called on the loader thread. */
    interface Listener {

        /**
         * @param policy the new active policy
         * @param previous the policy it replaces, or null
         * @param note why, when it was not a plain edit, else empty
         * @param nanos how long loading and compiling took
         */
        void activated(PolicyImpl policy, PolicyImpl previous, String note, long nanos);

        /**
         * @param refusal a refused document (reported once per document and reason)
         * @param serving the policy that keeps serving the profile, or null
         */
        void refused(PolicyAdmin.Refusal refusal, PolicyImpl serving);

        /**
         * @param previous the policy that is no longer active
         * @param reason why
         */
        void deactivated(PolicyImpl previous, String reason);

        /**
         * @param policy an active policy some of whose guardrails are gone (its calls are denied)
         * @param types the missing types
         */
        void guardrailsMissing(PolicyImpl policy, List<String> types);
    }

    /** Writes a document accepted over the API to the policies folder. */
    interface Writer {

        /**
         * @param profile the profile
         * @param bytes the document
         * @throws IOException when it could not be written
         */
        void write(String profile, byte[] bytes) throws IOException;
    }

    /**
     * A document of a profile.
     *
     * @param bytes its bytes
     * @param digest their digest
     * @param source a file label, or {@code api}
     * @param author {@code file} or a principal
     * @param file the label errors report
     * @param parent its {@code extends} when readable, else null
     */
    record Document(byte[] bytes, String digest, String source, String author, String file, String parent) {
    }

    /** One profile's mutable state, confined to the loader thread. */
    private static final class Profile {
        final String name;
        Document current;
        boolean currentActive;
        long version;
        List<String> reportedMissing = List.of();

        Profile(String name) {
            this.name = name;
        }
    }

    /** The author of documents read from files. */
    static final String FILE_AUTHOR = "file";

    /** The source of documents sent over the API. */
    static final String API_SOURCE = "api";

    private final Supplier<GuardrailCatalog> catalog;
    private final LongPredicate present;
    private final PolicyHistory history;
    private final Supplier<Guard> guard;
    private final Listener listener;
    private final Clock clock;
    private final Function<String, String> labels;

    private final Map<String, Profile> profiles = new HashMap<>();
    private final Map<String, String> badFiles = new HashMap<>();
    private final ConcurrentHashMap<String, PolicyImpl> active = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PolicyAdmin.Refusal> refusals = new ConcurrentHashMap<>();

    /**
     * @param catalog the guardrails installed now (asked at every compilation)
     * @param present whether the guardrail with a given id is still present
     * @param history where activations are kept
     * @param guard how guardrail code is called
     * @param listener what is told of activations and refusals
     * @param clock the clock
     * @param labels the file label of a profile ({@code policies/<profile>.yaml})
     */
    PolicyEngine(Supplier<GuardrailCatalog> catalog, LongPredicate present, PolicyHistory history,
        Supplier<Guard> guard, Listener listener, Clock clock, Function<String, String> labels) {
        this.catalog = catalog;
        this.present = present;
        this.history = history;
        this.guard = guard;
        this.listener = listener;
        this.clock = clock;
        this.labels = labels;
    }

    // ------------------------------------------------------------------------------------------------ reads

    /**
     * @param profile a profile
     * @return its active policy
     */
    Optional<Policy> active(String profile) {
        return Optional.ofNullable(active.get(profile));
    }

    /**
     * @param profile a profile
     * @return its active policy, or null
     */
    PolicyImpl activePolicy(String profile) {
        return active.get(profile);
    }

    /** @return every active policy, sorted by profile */
    List<Policy> all() {
        List<Policy> out = new ArrayList<>(active.values());
        out.sort(Comparator.comparing(Policy::profile));
        return out;
    }

    /** @return every profile with an active policy, a refusal or a history, sorted */
    List<PolicyAdmin.ProfileState> profiles() {
        TreeSet<String> names = new TreeSet<>(active.keySet());
        names.addAll(refusals.keySet());
        names.addAll(history.profiles());
        List<PolicyAdmin.ProfileState> out = new ArrayList<>(names.size());
        for (String name : names) {
            out.add(state(name));
        }
        return out;
    }

    /**
     * @param profile a profile
     * @return its state, empty when nothing is known of it
     */
    Optional<PolicyAdmin.ProfileState> profile(String profile) {
        if (!active.containsKey(profile) && !refusals.containsKey(profile) && history.list(profile).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(state(profile));
    }

    private PolicyAdmin.ProfileState state(String name) {
        PolicyImpl policy = active.get(name);
        return new PolicyAdmin.ProfileState(name, policy, refusals.get(name),
            policy == null ? List.of() : policy.missingGuardrails());
    }

    /**
     * @param profile a profile
     * @return its history, newest first
     */
    List<PolicyAdmin.Revision> history(String profile) {
        return history.list(profile);
    }

    /**
     * @param required profiles that must have a valid policy
     * @return ready when each of them has an active policy and no active policy misses a guardrail
     */
    ReadinessCheck.Readiness readiness(List<String> required) {
        List<String> problems = new ArrayList<>();
        for (String name : required) {
            if (!active.containsKey(name)) {
                PolicyAdmin.Refusal refusal = refusals.get(name);
                problems.add("no valid policy for profile '" + name + "' (" + (refusal == null
                    ? "no document " + labels.apply(name) : "refused: " + refusal.error()) + ")");
            }
        }
        List<Policy> policies = all();
        for (Policy policy : policies) {
            List<String> missing = ((PolicyImpl) policy).missingGuardrails();
            if (!missing.isEmpty()) {
                problems.add("profile '" + policy.profile() + "' needs guardrail type " + String.join(", ", missing)
                    + ", whose bundle is not installed (its calls are denied)");
            }
        }
        if (!problems.isEmpty()) {
            return new ReadinessCheck.Readiness(false, String.join("; ", problems));
        }
        StringBuilder detail = new StringBuilder();
        for (Policy policy : policies) {
            detail.append(detail.length() == 0 ? "" : ", ").append(policy.profile()).append(" v")
                .append(policy.version());
        }
        return new ReadinessCheck.Readiness(true, policies.isEmpty() ? "no policy is active (none is required)"
            : "active: " + detail);
    }

    // ---------------------------------------------------------------------------------------------- changes

    /**
     * A change of the policies folder.
     *
     * @param profile the profile, from the file name
     * @param label the file label
     * @param bytes the new content, or null when the file was deleted
     */
    record FileChange(String profile, String label, byte[] bytes) {
    }

    /**
     * Applies changes of the policies folder: deletions first, then new and edited documents, parents before
     * the profiles that extend them.
     *
     * @param changes the changes
     */
    void apply(List<FileChange> changes) {
        for (FileChange change : changes) {
            if (change.bytes() == null) {
                removed(change.profile(), change.label());
            }
        }
        List<Profile> changed = new ArrayList<>();
        for (FileChange change : changes) {
            if (change.bytes() != null) {
                Profile profile = mutable(change.profile());
                profile.current = document(change.bytes(), FILE_AUTHOR, change.label(), change.label());
                profile.currentActive = false;
                changed.add(profile);
            }
        }
        for (Profile profile : byDepth(changed)) {
            evaluate(profile, "", System.nanoTime());
        }
    }

    /**
     * A file in the policies folder whose name is not {@code <profile>.yaml}: refused (reported once per
     * content).
     *
     * @param name the file name
     * @param label its label
     * @param bytes its content
     * @param message why it is refused
     */
    void refuseFile(String name, String label, byte[] bytes, String message) {
        String digest = PolicyCompiler.digest(bytes);
        if (digest.equals(badFiles.put(name, digest))) {
            return;
        }
        String profile = name.endsWith(FolderPoller.SUFFIX)
            ? name.substring(0, name.length() - FolderPoller.SUFFIX.length()) : name;
        listener.refused(new PolicyAdmin.Refusal(profile, digest, label, FILE_AUTHOR, clock.instant(),
            new PolicyException("", message, label, 1, 1)), null);
    }

    /** @param name a file that is gone, or whose name is fine again */
    void forgetFile(String name) {
        badFiles.remove(name);
    }

    private void removed(String name, String label) {
        Profile profile = profiles.get(name);
        if (profile == null) {
            return;
        }
        profile.current = null;
        profile.currentActive = false;
        profile.reportedMissing = List.of();
        refusals.remove(name);
        PolicyImpl previous = active.remove(name);
        if (previous != null) {
            listener.deactivated(previous, label + " was deleted");
        }
    }

    /**
     * Validates and activates a document sent over the API, and writes it to the folder first.
     *
     * @param name the profile
     * @param bytes the document
     * @param author the principal
     * @param writer writes it to the folder
     * @return the active policy afterwards
     * @throws PolicyException when invalid
     * @throws IOException when it could not be written
     */
    Policy put(String name, byte[] bytes, String author, Writer writer) throws PolicyException, IOException {
        return accept(name, bytes, author, writer, "");
    }

    /**
     * Activates an earlier version again as a new version (validated again, written to the folder).
     *
     * @param name the profile
     * @param version a version in its history
     * @param author the principal
     * @param writer writes it to the folder
     * @return the active policy afterwards
     * @throws PolicyException when that document is not valid any more
     * @throws IOException when it could not be written
     */
    Policy rollback(String name, long version, String author, Writer writer) throws PolicyException, IOException {
        byte[] bytes = history.document(name, version);
        if (bytes == null) {
            throw new NoSuchElementException("profile '" + name + "' has no version " + version + " in its history");
        }
        return accept(name, bytes, author, writer, "rollback to v" + version);
    }

    private Policy accept(String name, byte[] bytes, String author, Writer writer, String note)
        throws PolicyException, IOException {
        if (!DocumentHeader.isName(name)) {
            throw new PolicyException("", "'" + name + "' is not a profile name: 1-64 of A-Z a-z 0-9 . _ -");
        }
        long start = System.nanoTime();
        Profile profile = mutable(name);
        String label = labels.apply(name);
        Document document = document(bytes, author, API_SOURCE, label);
        PolicyCompiler.Compiled compiled;
        try {
            compiled = compiler().compile(bytes, label, name);
        } catch (PolicyCompiler.Refused e) {
            refused(profile, document, e);
            throw e.error();
        }
        PolicyImpl previous = active.get(name);
        boolean same = previous != null && previous.digest().equals(compiled.digest())
            && compiled.sameAs(previous.compiled());
        if (same && profile.currentActive) {
            return previous;
        }
        writer.write(name, bytes);
        profile.current = new Document(bytes, document.digest(), API_SOURCE, author, label, compiled.parent());
        if (same) {
            profile.currentActive = true;
            refusals.remove(name);
            return previous;
        }
        activate(profile, compiled, profile.current, note, start);
        return active.get(name);
    }

    /**
     * The installed guardrails changed: refused documents are tried again, policies whose guardrail came back
     * are compiled again (as a new version), and newly missing guardrails are reported.
     */
    void guardrailsChanged() {
        List<Profile> all = byDepth(new ArrayList<>(profiles.values()));
        for (Profile profile : all) {
            long start = System.nanoTime();
            boolean activated = false;
            if (profile.current != null && !profile.currentActive) {
                activated = evaluate(profile, "retried: the installed guardrails changed", start);
            }
            PolicyImpl policy = active.get(profile.name);
            if (policy == null) {
                profile.reportedMissing = List.of();
                continue;
            }
            List<String> missing = policy.missingGuardrails();
            if (!activated && !missing.isEmpty() && catalogHas(missing)) {
                recompile(profile, policy, "recompiled: the guardrail bundle of " + String.join(", ", missing)
                    + " is back", start);
                policy = active.get(profile.name);
                missing = policy == null ? List.of() : policy.missingGuardrails();
            }
            if (!missing.isEmpty() && !missing.equals(profile.reportedMissing)) {
                listener.guardrailsMissing(policy, missing);
            }
            profile.reportedMissing = missing;
        }
    }

    private boolean catalogHas(List<String> types) {
        GuardrailCatalog now = catalog.get();
        for (String type : types) {
            if (now.find(type) == null) {
                return false;
            }
        }
        return true;
    }

    private void recompile(Profile profile, PolicyImpl policy, String note, long start) {
        Document document = new Document(policy.bytes(), policy.digest(), policy.source(), policy.author(),
            labels.apply(profile.name), policy.compiled().parent());
        try {
            PolicyCompiler.Compiled compiled = compiler().compile(policy.bytes(), document.file(), profile.name);
            activate(profile, compiled, document, note, start);
            if (profile.current != null && profile.current.digest().equals(document.digest())) {
                profile.currentActive = true;
            }
        } catch (PolicyCompiler.Refused e) {
            refused(profile, document, e);
        }
    }

    /**
     * @return whether a new version was activated
     */
    private boolean evaluate(Profile profile, String note, long start) {
        Document document = profile.current;
        if (document == null) {
            return false;
        }
        PolicyCompiler.Compiled compiled;
        try {
            compiled = compiler().compile(document.bytes(), document.file(), profile.name);
        } catch (PolicyCompiler.Refused e) {
            profile.currentActive = false;
            refused(profile, document, e);
            return false;
        }
        PolicyImpl previous = active.get(profile.name);
        if (previous != null && previous.digest().equals(compiled.digest()) && compiled.sameAs(previous.compiled())) {
            profile.currentActive = true;
            refusals.remove(profile.name);
            return false;
        }
        activate(profile, compiled, document, note, start);
        return true;
    }

    private void activate(Profile profile, PolicyCompiler.Compiled compiled, Document document, String note,
        long start) {
        long version = Math.max(profile.version, history.lastVersion(profile.name)) + 1;
        profile.version = version;
        PolicyImpl policy = new PolicyImpl(compiled, version, document.source(), document.author(), clock.instant(),
            document.bytes(), present);
        PolicyImpl previous = active.put(profile.name, policy);
        history.record(new PolicyAdmin.Revision(profile.name, version, compiled.digest(), document.author(),
            document.source(), policy.activatedAt(), note), document.bytes());
        if (profile.current == document) {
            profile.currentActive = true;
        }
        refusals.remove(profile.name);
        profile.reportedMissing = List.of();
        listener.activated(policy, previous, note, System.nanoTime() - start);
        for (Profile child : byDepth(new ArrayList<>(profiles.values()))) {
            if (child.current != null && profile.name.equals(child.current.parent())) {
                evaluate(child, "parent '" + profile.name + "' v" + version, System.nanoTime());
            }
        }
    }

    private void refused(Profile profile, Document document, PolicyCompiler.Refused refusal) {
        PolicyAdmin.Refusal previous = refusals.get(profile.name);
        PolicyException error = refusal.error();
        boolean repeated = previous != null && previous.digest().equals(document.digest())
            && previous.error().toString().equals(error.toString());
        if (repeated) {
            return;
        }
        PolicyAdmin.Refusal next = new PolicyAdmin.Refusal(profile.name, document.digest(), document.source(),
            document.author(), clock.instant(), error);
        refusals.put(profile.name, next);
        listener.refused(next, active.get(profile.name));
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private PolicyCompiler compiler() {
        return new PolicyCompiler(catalog.get(), parents, guard.get());
    }

    private final PolicyCompiler.Parents parents = new PolicyCompiler.Parents() {
        @Override
        public String extendsOf(String name) {
            Profile profile = profiles.get(name);
            if (profile != null && profile.current != null) {
                return profile.current.parent();
            }
            PolicyImpl policy = active.get(name);
            return policy == null ? null : policy.compiled().parent();
        }

        @Override
        public PolicyCompiler.Compiled resolve(String name) throws PolicyCompiler.ParentUnavailable {
            PolicyImpl policy = active.get(name);
            if (policy == null) {
                Profile profile = profiles.get(name);
                if (profile == null || profile.current == null) {
                    throw new PolicyCompiler.ParentUnavailable("there is no policy document " + labels.apply(name));
                }
                throw new PolicyCompiler.ParentUnavailable("profile '" + name + "' has no active policy (its "
                    + "document was refused)");
            }
            List<String> missing = policy.missingGuardrails();
            if (!missing.isEmpty()) {
                throw new PolicyCompiler.ParentUnavailable("profile '" + name + "' needs guardrail type "
                    + String.join(", ", missing) + ", whose bundle is not installed");
            }
            return policy.compiled();
        }
    };

    private Profile mutable(String name) {
        return profiles.computeIfAbsent(name, Profile::new);
    }

    private static Document document(byte[] bytes, String author, String source, String file) {
        String parent = null;
        try {
            parent = DocumentHeader.peekParent(YamlTree.parse(bytes, file).root());
        } catch (PolicyException e) {
            // an unparsable document extends nothing; compiling it reports the error
        }
        return new Document(bytes, PolicyCompiler.digest(bytes), source, author, file, parent);
    }

    /** @return the profiles ordered so that a parent comes before the profiles that extend it */
    private List<Profile> byDepth(List<Profile> list) {
        Map<String, Integer> depths = new HashMap<>();
        for (Profile profile : list) {
            int depth = 0;
            for (String at = parents.extendsOf(profile.name); at != null && depth < PolicyCompiler.MAX_DEPTH;
                at = parents.extendsOf(at)) {
                depth++;
            }
            depths.put(profile.name, depth);
        }
        List<Profile> out = new ArrayList<>(list);
        out.sort(Comparator.comparing((Profile p) -> depths.get(p.name)).thenComparing(p -> p.name));
        return out;
    }
}
