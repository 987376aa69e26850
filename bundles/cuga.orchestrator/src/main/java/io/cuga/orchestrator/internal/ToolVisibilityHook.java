package io.cuga.orchestrator.internal;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import io.cuga.api.tool.Tool;

/**
 * Keeps Tool services out of reach of every bundle but the orchestrator (and the bundle that registered them),
 * so no bundle can look a tool up and call it beside the guarded dispatcher path: the service registry itself
 * has no side door. Hidden services are neither found nor announced through service events.
 */
@Component(service = {FindHook.class, EventListenerHook.class}, immediate = true)
public class ToolVisibilityHook implements FindHook, EventListenerHook {

    private static final String TOOL = Tool.class.getName();

    private final long orchestratorId;

    @Activate
    public ToolVisibilityHook(BundleContext context) {
        this.orchestratorId = context.getBundle().getBundleId();
    }

    @Override
    public void find(BundleContext context, String name, String filter, boolean allServices,
        Collection<ServiceReference<?>> references) {
        Bundle viewer = context.getBundle();
        if (mayReachTools(viewer)) {
            return;
        }
        for (Iterator<ServiceReference<?>> it = references.iterator(); it.hasNext();) {
            if (hidden(it.next(), viewer)) {
                it.remove();
            }
        }
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
        ServiceReference<?> reference = event.getServiceReference();
        if (!isTool(reference)) {
            return;
        }
        for (Iterator<BundleContext> it = listeners.keySet().iterator(); it.hasNext();) {
            Bundle viewer = it.next().getBundle();
            if (!mayReachTools(viewer) && hidden(reference, viewer)) {
                it.remove();
            }
        }
    }

    private boolean mayReachTools(Bundle viewer) {
        long id = viewer.getBundleId();
        return id == orchestratorId || id == 0;
    }

    private static boolean hidden(ServiceReference<?> reference, Bundle viewer) {
        return isTool(reference) && !viewer.equals(reference.getBundle());
    }

    private static boolean isTool(ServiceReference<?> reference) {
        Object classes = reference.getProperty(Constants.OBJECTCLASS);
        if (classes instanceof String[]) {
            return List.of((String[]) classes).contains(TOOL);
        }
        return false;
    }
}
