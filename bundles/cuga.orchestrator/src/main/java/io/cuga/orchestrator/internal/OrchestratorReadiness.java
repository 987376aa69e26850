package io.cuga.orchestrator.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.health.ReadinessCheck;

/** Ready while the registry and the dispatcher are active; reports how many tools are visible. */
@Component(service = ReadinessCheck.class, immediate = true)
public class OrchestratorReadiness implements ReadinessCheck {

    private final ToolTracker tracker;

    @Activate
    public OrchestratorReadiness(@Reference ToolTracker tracker, @Reference Dispatcher dispatcher) {
        this.tracker = tracker;
    }

    @Override
    public String name() {
        return "orchestrator";
    }

    @Override
    public Readiness check() {
        ToolTracker.Snapshot s = tracker.snapshot();
        return new Readiness(true, s.visible.size() + " of " + s.tracked + " tool services visible");
    }
}
