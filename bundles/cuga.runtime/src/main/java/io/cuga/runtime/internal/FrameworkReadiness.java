package io.cuga.runtime.internal;

import io.cuga.api.health.ReadinessCheck;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Readiness {@code framework}: the framework reached its final start level and every bundle named by the
 * features (framework property {@code cuga.feature.bundles}, set by the launcher) is ACTIVE, or RESOLVED for a
 * fragment. The detail names what is missing.
 */
@Component(service = ReadinessCheck.class)
public final class FrameworkReadiness implements ReadinessCheck {

    static final String FEATURE_BUNDLES = "cuga.feature.bundles";

    private final BundleContext context;
    private final int targetLevel;
    private final List<String> locations;

    @Activate
    public FrameworkReadiness(BundleContext context) {
        this.context = context;
        this.targetLevel = parseLevel(context.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL));
        this.locations = split(context.getProperty(FEATURE_BUNDLES));
    }

    @Override
    public String name() {
        return "framework";
    }

    @Override
    public Readiness check() {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        int level = system.adapt(FrameworkStartLevel.class).getStartLevel();
        List<String> problems = new ArrayList<>();
        if (level < targetLevel || system.getState() != Bundle.ACTIVE) {
            problems.add("start level " + level + " of " + targetLevel);
        }
        for (String location : locations) {
            Bundle b = context.getBundle(location);
            if (b == null) {
                problems.add(location.substring(location.lastIndexOf('/') + 1) + " not installed");
                continue;
            }
            boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            int wanted = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (b.getState() != wanted) {
                problems.add(b.getSymbolicName() + " " + state(b.getState()));
            }
        }
        if (problems.isEmpty()) {
            return new Readiness(true, locations.size() + " feature bundles active at start level " + level);
        }
        return new Readiness(false, "not ready: " + String.join(", ", problems));
    }

    static int parseLevel(String value) {
        try {
            return value == null ? 1 : Math.max(1, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String s : value.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    static String state(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED (unresolved)";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }
}
