package io.cuga.orchestrator.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.resource.Namespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.dispatch.Diagnostic;

/**
 * Notices bundles that were installed but cannot resolve (a dropped tool bundle that imports a package or an
 * API version this server does not have) and bundles that failed to start, and says why in words a tool
 * author can act on. The server keeps serving either way.
 *
 * <p>It never resolves anything itself: resolving from a bundle listener would take the framework's global
 * resolve lock while an installer starts the same bundle, and Felix refuses such a start. Instead it compares
 * each unresolved bundle's mandatory requirements with the capabilities every installed bundle declares.
 */
@Component(service = BundleDiagnostics.class, immediate = true)
public class BundleDiagnostics implements BundleListener, FrameworkListener {

    private static final Logger LOG = LoggerFactory.getLogger(BundleDiagnostics.class);
    private static final Pattern FILTER_ATTRIBUTE = Pattern.compile("\\(([\\w.-]+)=([^)]*)\\)");

    private final BundleContext context;
    /** When each unresolved bundle (by id and last-modified) was first seen missing something. */
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
    private final Map<Long, Diagnostic> startFailures = new ConcurrentHashMap<>();

    @Activate
    public BundleDiagnostics(BundleContext context) {
        this.context = context;
        context.addBundleListener(this);
        context.addFrameworkListener(this);
        for (Bundle bundle : context.getBundles()) {
            report(bundle);
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        context.removeFrameworkListener(this);
    }

    /** @return the current problems: every installed bundle that cannot resolve, and recent start failures */
    List<Diagnostic> current() {
        List<Diagnostic> out = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String missing = missing(bundle);
            if (missing != null) {
                Instant at = firstSeen.computeIfAbsent(key(bundle), k -> Instant.now());
                out.add(new Diagnostic("bundle_unresolved", subject(bundle), missing, at));
            }
        }
        for (Diagnostic failure : startFailures.values()) {
            out.add(failure);
        }
        return out;
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        switch (event.getType()) {
            case BundleEvent.INSTALLED:
            case BundleEvent.UPDATED:
                report(bundle);
                break;
            case BundleEvent.RESOLVED:
            case BundleEvent.STARTED:
                startFailures.remove(bundle.getBundleId());
                firstSeen.keySet().removeIf(k -> k.startsWith(bundle.getBundleId() + ":"));
                break;
            case BundleEvent.UNINSTALLED:
                startFailures.remove(bundle.getBundleId());
                firstSeen.keySet().removeIf(k -> k.startsWith(bundle.getBundleId() + ":"));
                break;
            default:
                break;
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() != FrameworkEvent.ERROR || event.getBundle() == null
            || event.getBundle().getBundleId() == 0) {
            return;
        }
        Bundle bundle = event.getBundle();
        Throwable error = event.getThrowable();
        String message = "failed to start: " + (error == null ? "unknown error" : error.getMessage());
        startFailures.put(bundle.getBundleId(),
            new Diagnostic("bundle_failed", subject(bundle), message, Instant.now()));
        LOG.warn("Bundle {} {}", subject(bundle), message);
    }

    /** Logs, once per bundle version, why a newly installed or updated bundle cannot resolve. */
    private void report(Bundle bundle) {
        String missing = missing(bundle);
        if (missing != null && firstSeen.putIfAbsent(key(bundle), Instant.now()) == null) {
            LOG.warn("Bundle {} cannot resolve: {}", subject(bundle), missing);
        }
    }

    private static String key(Bundle bundle) {
        return bundle.getBundleId() + ":" + bundle.getLastModified();
    }

    /** @return what an unresolved bundle is missing, or null when it is resolved or lacks nothing we can name */
    String missing(Bundle bundle) {
        if (bundle.getState() != Bundle.INSTALLED || isFragment(bundle)) {
            return null;
        }
        String explanation = explain(bundle);
        return explanation.startsWith("missing ") ? explanation : null;
    }

    private static boolean isFragment(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    private static String subject(Bundle bundle) {
        return bundle.getSymbolicName() + " " + bundle.getVersion() + " (" + bundle.getLocation() + ")";
    }

    /** Names every mandatory requirement no resolved bundle satisfies, with what the server does offer. */
    String explain(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return "the framework cannot read the bundle";
        }
        StringJoiner missing = new StringJoiner("; ");
        for (BundleRequirement requirement : revision.getDeclaredRequirements(null)) {
            if (Namespace.RESOLUTION_OPTIONAL.equals(
                requirement.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            String effective = requirement.getDirectives().get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
            if (effective != null && !Namespace.EFFECTIVE_RESOLVE.equals(effective)) {
                // e.g. osgi.service;effective:=active (a DS reference): the resolver ignores it, so do we
                continue;
            }
            List<BundleCapability> candidates = capabilities(requirement.getNamespace());
            boolean satisfied = false;
            for (BundleCapability capability : candidates) {
                if (requirement.matches(capability)) {
                    satisfied = true;
                    break;
                }
            }
            if (!satisfied) {
                missing.add(describe(requirement, candidates));
            }
        }
        String found = missing.toString();
        return found.isEmpty()
            ? "it depends on another bundle that cannot resolve (see the other diagnostics)"
            : "missing " + found;
    }

    private List<BundleCapability> capabilities(String namespace) {
        List<BundleCapability> out = new ArrayList<>();
        for (Bundle other : context.getBundles()) {
            BundleWiring wiring = other.adapt(BundleWiring.class);
            if (wiring != null) {
                out.addAll(wiring.getCapabilities(namespace));
            } else if (other.getState() != Bundle.UNINSTALLED) {
                // not resolved yet: what it declares may still satisfy the other (it is reported itself if not)
                BundleRevision revision = other.adapt(BundleRevision.class);
                if (revision != null) {
                    out.addAll(revision.getDeclaredCapabilities(namespace));
                }
            }
        }
        return out;
    }

    private static String describe(BundleRequirement requirement, List<BundleCapability> candidates) {
        String namespace = requirement.getNamespace();
        String filter = requirement.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "");
        String name = attribute(filter, namespace);
        if (name == null) {
            return namespace + " " + filter;
        }
        StringJoiner offered = new StringJoiner(", ");
        for (BundleCapability capability : candidates) {
            if (name.equals(String.valueOf(capability.getAttributes().get(namespace)))) {
                Object version = capability.getAttributes().get("version");
                if (version == null) {
                    version = capability.getAttributes().get("bundle-version");
                }
                offered.add(version + " from " + capability.getRevision().getSymbolicName());
            }
        }
        String kind = "osgi.wiring.package".equals(namespace) ? "package " : namespace + " ";
        return kind + name + " " + versionRange(filter) + (offered.length() == 0
            ? " (no bundle here provides it)"
            : " (this server has " + offered + ")");
    }

    private static String attribute(String filter, String key) {
        Matcher m = FILTER_ATTRIBUTE.matcher(filter);
        while (m.find()) {
            if (m.group(1).equals(key)) {
                return m.group(2);
            }
        }
        return null;
    }

    /** Renders the version constraints of a requirement filter, such as {@code version>=2.0.0, !(version>=3.0.0)}. */
    private static String versionRange(String filter) {
        Matcher ge = Pattern.compile("\\(version>=([^)]*)\\)").matcher(filter);
        Matcher lt = Pattern.compile("\\(!\\(version>=([^)]*)\\)\\)").matcher(filter);
        String low = null;
        while (ge.find()) {
            if (low == null) {
                low = ge.group(1);
            }
        }
        String high = lt.find() ? lt.group(1) : null;
        if (low != null && high != null) {
            // the first (version>=x) in a range filter is the lower bound; the negated one the upper
            return "version [" + low + "," + high + ")";
        }
        return low == null ? "" : "version >= " + low;
    }
}
