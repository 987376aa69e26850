package io.cuga.orchestrator.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.dispatch.Diagnostic;
import io.cuga.api.dispatch.DiagnosticSource;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.event.Event;
import io.cuga.api.event.EventPublisher;
import io.cuga.api.event.EventTypes;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyService;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The whiteboard of Tool services. Tracks every registration, validates its descriptor and schema once,
 * refuses invalid ones and duplicates of a name already taken, and publishes an immutable snapshot of what is
 * visible under the allowlist. A call takes one snapshot and keeps it to its end.
 */
@Component(service = {ToolRegistry.class, ToolTracker.class}, immediate = true,
    configurationPid = AllowlistConfig.PID)
@Designate(ocd = AllowlistConfig.class)
public class ToolTracker implements ToolRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ToolTracker.class);

    private final BundleContext context;
    private final BundleDiagnostics bundleDiagnostics;
    private final Map<Long, ToolEntry> entries = new HashMap<>();
    private final Map<Long, String> lastState = new HashMap<>();
    private final Map<Long, Instant> refusedAt = new HashMap<>();
    private final Map<Long, Boolean> lastVisible = new HashMap<>();
    private Globs toolPatterns = Globs.parse();
    private Globs bundlePatterns = Globs.parse();
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    /** Bundles' own diagnostics (tool sources whose spec or server cannot be used). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY, fieldOption = FieldOption.UPDATE)
    private final List<DiagnosticSource> diagnosticSources = new CopyOnWriteArrayList<>();

    @Activate
    public ToolTracker(BundleContext context, AllowlistConfig config,
        @Reference BundleDiagnostics bundleDiagnostics) {
        this.context = context;
        this.bundleDiagnostics = bundleDiagnostics;
        configure(config);
    }

    @Modified
    void modified(AllowlistConfig config) {
        configure(config);
    }

    private synchronized void configure(AllowlistConfig config) {
        toolPatterns = Globs.parse(config.tools());
        bundlePatterns = Globs.parse(config.bundles());
        LOG.info("Tool allowlist: tools {} from bundles {}", toolPatterns, bundlePatterns);
        rebuild();
    }

    @Deactivate
    synchronized void deactivate() {
        for (ToolEntry entry : entries.values()) {
            entry.withdraw();
        }
        entries.clear();
        snapshot = Snapshot.EMPTY;
    }

    @Reference(service = Tool.class, cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
        updated = "updatedTool", unbind = "unbindTool")
    synchronized void bindTool(ServiceReference<Tool> reference) {
        ToolEntry entry = read(reference);
        entries.put(entry.serviceId, entry);
        rebuild();
    }

    synchronized void updatedTool(ServiceReference<Tool> reference) {
        long id = (Long) reference.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        ToolEntry old = entries.remove(id);
        if (old != null) {
            old.withdraw();
        }
        entries.put(id, read(reference));
        rebuild();
    }

    void unbindTool(ServiceReference<Tool> reference) {
        ToolEntry old;
        synchronized (this) {
            long id = (Long) reference.getProperty(org.osgi.framework.Constants.SERVICE_ID);
            old = entries.remove(id);
            lastState.remove(id);
            refusedAt.remove(id);
            rebuild();
            if (old != null) {
                LOG.info("Tool '{}' from bundle {} {} went away", old.name, old.bundle, old.bundleVersion);
                if (snapshotHad(old)) {
                    publish(EventTypes.TOOL_REMOVED, old, "its service went away");
                }
            }
        }
        if (old != null) {
            old.withdraw();
        }
    }

    /** @return the current snapshot; a call keeps the one it took */
    Snapshot snapshot() {
        return snapshot;
    }

    /**
     * The tools a profile may list: visible in the registry and allowed by the allowlist guardrail of the
     * profile's active policy. No policy engine, no policy, no allowlist rules: nothing (deny by default).
     */
    @Override
    public List<ToolDescriptor> visible(String profile) {
        Guardrail.Rules allowlist = allowlist(profile);
        if (allowlist == null) {
            return List.of();
        }
        List<ToolDescriptor> out = new ArrayList<>();
        for (ToolDescriptor descriptor : snapshot.visibleDescriptors) {
            if (allowed(allowlist, descriptor, profile)) {
                out.add(descriptor);
            }
        }
        return out;
    }

    @Override
    public Optional<ToolDescriptor> find(String name, String profile) {
        ToolEntry entry = snapshot.visible.get(name);
        Guardrail.Rules allowlist = allowlist(profile);
        return entry == null || allowlist == null || !allowed(allowlist, entry.descriptor, profile)
            ? Optional.empty() : Optional.of(entry.descriptor);
    }

    private Guardrail.Rules allowlist(String profile) {
        PolicyService engine = policies;
        if (engine == null) {
            return null;
        }
        try {
            return engine.active(profile).map(p -> p.rules("allowlist")).orElse(null);
        } catch (RuntimeException e) {
            LOG.warn("Allowlist of profile '{}' unavailable: {}", profile, String.valueOf(e));
            return null;
        }
    }

    private static boolean allowed(Guardrail.Rules allowlist, ToolDescriptor descriptor, String profile) {
        try {
            Decision decision = allowlist.check(new GuardrailChain.Call(descriptor, Map.of(), profile, "", "",
                "", "", true));
            return decision != null && decision.verdict() != Verdict.DENY;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public List<ToolInfo> all() {
        return snapshot.all;
    }

    @Override
    public List<Diagnostic> diagnostics() {
        List<Diagnostic> out = new ArrayList<>(snapshot.diagnostics);
        out.addAll(bundleDiagnostics.current());
        for (DiagnosticSource source : diagnosticSources) {
            try {
                for (Diagnostic d : source.diagnostics()) {
                    if (d != null) {
                        out.add(d.at() == null ? new Diagnostic(d.kind(), d.subject(), d.message(), Instant.EPOCH)
                            : d);
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                out.add(new Diagnostic("diagnostics_failed", source.getClass().getName(),
                    "its diagnostics could not be read: " + e, Instant.now()));
            }
        }
        out.sort(Comparator.comparing(Diagnostic::at).reversed());
        return out;
    }

    /** Reads and checks a registration's descriptor; an invalid one becomes a refused entry. */
    private ToolEntry read(ServiceReference<Tool> reference) {
        Bundle bundle = reference.getBundle();
        String bsn = bundle == null ? "" : bundle.getSymbolicName();
        String version = bundle == null ? "" : bundle.getVersion().toString();
        Object rawName = reference.getProperty(Tool.NAME);
        String name = rawName instanceof String ? (String) rawName : String.valueOf(rawName);
        try {
            if (!(rawName instanceof String)) {
                throw new IllegalArgumentException("missing service property " + Tool.NAME
                    + " (annotate the component with @ToolService)");
            }
            if (!Tool.NAME_PATTERN.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid tool name '" + name
                    + "': names must match " + Tool.NAME_PATTERN.pattern());
            }
            String description = string(reference.getProperty(Tool.DESCRIPTION), "");
            RiskTier risk = RiskTier.parse(string(reference.getProperty(Tool.RISK), "READ"));
            ArgumentSchema schema = ArgumentSchema.compile(schemaText(bundle,
                string(reference.getProperty(Tool.SCHEMA), "")));
            List<String> outbound = strings(reference.getProperty(Tool.OUTBOUND));
            long timeout = number(reference.getProperty(Tool.TIMEOUT_MILLIS));
            if (timeout < 0) {
                throw new IllegalArgumentException(Tool.TIMEOUT_MILLIS + " must not be negative");
            }
            ToolDescriptor descriptor = new ToolDescriptor(name, description, schema.text(), risk, outbound,
                timeout, bsn, version);
            return new ToolEntry(reference, name, bsn, version, descriptor, schema, null);
        } catch (IllegalArgumentException e) {
            return new ToolEntry(reference, name, bsn, version, null, null, e.getMessage());
        }
    }

    private static String schemaText(Bundle bundle, String schema) {
        String trimmed = schema.trim();
        if (trimmed.isEmpty() || trimmed.startsWith("{")) {
            return trimmed;
        }
        URL url = bundle == null ? null : bundle.getEntry(trimmed);
        if (url == null) {
            throw new IllegalArgumentException("schema resource '" + trimmed + "' not found in bundle");
        }
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("schema resource '" + trimmed + "' cannot be read: " + e);
        }
    }

    private static String string(Object value, String fallback) {
        return value == null ? fallback : String.valueOf(value);
    }

    private static List<String> strings(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String[]) {
            return Arrays.asList((String[]) value);
        }
        if (value instanceof java.util.Collection) {
            List<String> out = new ArrayList<>();
            for (Object o : (java.util.Collection<?>) value) {
                out.add(String.valueOf(o));
            }
            return out;
        }
        return List.of(String.valueOf(value));
    }

    private static long number(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof Number) {
            return ((Number) value).longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Tool.TIMEOUT_MILLIS + " must be a number of milliseconds");
        }
    }

    /** Recomputes visibility and publishes a new snapshot. Caller holds the lock. */
    private void rebuild() {
        Map<String, ToolEntry> visible = new TreeMap<>();
        Map<String, ToolEntry> winners = new HashMap<>();
        List<ToolEntry> ordered = new ArrayList<>(entries.values());
        ordered.sort(Comparator.comparingLong(e -> e.serviceId));
        List<ToolInfo> all = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Instant now = Instant.now();
        for (ToolEntry entry : ordered) {
            ToolInfo.State state;
            String reason;
            if (!entry.valid()) {
                state = ToolInfo.State.REFUSED;
                reason = entry.invalidReason;
            } else if (winners.containsKey(entry.name)) {
                ToolEntry first = winners.get(entry.name);
                state = ToolInfo.State.REFUSED;
                reason = "duplicate tool name '" + entry.name + "': already registered by bundle " + first.bundle
                    + " " + first.bundleVersion + " (service " + first.serviceId + ")";
            } else {
                winners.put(entry.name, entry);
                if (!toolPatterns.matches(entry.name)) {
                    state = ToolInfo.State.HIDDEN;
                    reason = "tool name '" + entry.name + "' matches no pattern of " + AllowlistConfig.PID
                        + " tools " + toolPatterns;
                } else if (!bundlePatterns.matches(entry.bundle)) {
                    state = ToolInfo.State.HIDDEN;
                    reason = "bundle '" + entry.bundle + "' matches no pattern of " + AllowlistConfig.PID
                        + " bundles " + bundlePatterns;
                } else {
                    state = ToolInfo.State.VISIBLE;
                    reason = "";
                    visible.put(entry.name, entry);
                }
            }
            if (state != ToolInfo.State.VISIBLE) {
                entry.releaseService();
            }
            if (state == ToolInfo.State.REFUSED) {
                Instant at = refusedAt.computeIfAbsent(entry.serviceId, id -> now);
                diagnostics.add(new Diagnostic("tool_refused", "tool '" + entry.name + "' from bundle "
                    + entry.bundle + " " + entry.bundleVersion, reason, at));
            } else {
                refusedAt.remove(entry.serviceId);
            }
            all.add(new ToolInfo(entry.name, entry.bundle, entry.bundleVersion, state, reason, entry.descriptor));
            logTransition(entry, state, reason);
        }
        all.sort(Comparator.comparing(ToolInfo::name).thenComparing(ToolInfo::bundle));
        List<ToolDescriptor> descriptors = new ArrayList<>();
        for (ToolEntry entry : visible.values()) {
            descriptors.add(entry.descriptor);
        }
        snapshot = new Snapshot(Collections.unmodifiableMap(new LinkedHashMap<>(visible)),
            List.copyOf(descriptors), List.copyOf(all), List.copyOf(diagnostics), entries.size());
    }

    private void logTransition(ToolEntry entry, ToolInfo.State state, String reason) {
        String now = state + ":" + reason;
        String before = lastState.put(entry.serviceId, now);
        if (now.equals(before)) {
            return;
        }
        boolean wasVisible = before != null && before.startsWith(ToolInfo.State.VISIBLE + ":");
        if (wasVisible != (state == ToolInfo.State.VISIBLE)) {
            publish(state == ToolInfo.State.VISIBLE ? EventTypes.TOOL_ADDED : EventTypes.TOOL_REMOVED, entry,
                reason);
        }
        switch (state) {
            case VISIBLE:
                LOG.info("Tool '{}' from bundle {} {} is visible", entry.name, entry.bundle, entry.bundleVersion);
                break;
            case HIDDEN:
                LOG.info("Tool '{}' from bundle {} {} is hidden: {}", entry.name, entry.bundle,
                    entry.bundleVersion, reason);
                break;
            default:
                LOG.warn("Tool '{}' from bundle {} {} is refused: {}", entry.name, entry.bundle,
                    entry.bundleVersion, reason);
        }
    }

    private boolean snapshotHad(ToolEntry entry) {
        // called after the rebuild: the entry was visible when its last state said so
        return lastVisible.remove(entry.serviceId) != null;
    }

    private void publish(String type, ToolEntry entry, String reason) {
        if (type.equals(EventTypes.TOOL_ADDED)) {
            lastVisible.put(entry.serviceId, Boolean.TRUE);
        } else {
            lastVisible.remove(entry.serviceId);
        }
        EventPublisher publisher = events;
        if (publisher != null) {
            Map<String, Object> attributes = new LinkedHashMap<>();
            attributes.put("tool", entry.name);
            attributes.put("bundle", entry.bundle);
            attributes.put("bundleVersion", entry.bundleVersion);
            if (!reason.isEmpty()) {
                attributes.put("reason", reason);
            }
            publisher.publish(new Event(type, Instant.now(), "", "", "", "", 0, attributes));
        }
    }

    /** An immutable view of the registry at one moment. */
    static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(Map.of(), List.of(), List.of(), List.of(), 0);

        final Map<String, ToolEntry> visible;
        final List<ToolDescriptor> visibleDescriptors;
        final List<ToolInfo> all;
        final List<Diagnostic> diagnostics;
        final int tracked;

        Snapshot(Map<String, ToolEntry> visible, List<ToolDescriptor> visibleDescriptors, List<ToolInfo> all,
            List<Diagnostic> diagnostics, int tracked) {
            this.visible = visible;
            this.visibleDescriptors = visibleDescriptors;
            this.all = all;
            this.diagnostics = diagnostics;
            this.tracked = tracked;
        }
    }
}
