package io.cuga.orchestrator.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolDescriptor;

/**
 * One tracked Tool service registration. The service object is fetched only when a visible tool is first
 * called, so the code of a tool that is hidden never runs. When the registration goes away the entry is
 * withdrawn: calls in flight are cancelled and new ones see it unavailable.
 */
final class ToolEntry {

    final ServiceReference<Tool> reference;
    final long serviceId;
    final String name;
    final String bundle;
    final String bundleVersion;
    /** Null when the registration was refused. */
    final ToolDescriptor descriptor;
    /** Null when the registration was refused. */
    final ArgumentSchema schema;
    /** Why the registration was refused; null when valid. */
    final String invalidReason;

    private final Set<InFlightCall> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean withdrawn;
    private volatile boolean releasePending;
    private Tool service;
    private BundleContext serviceContext;

    ToolEntry(ServiceReference<Tool> reference, String name, String bundle, String bundleVersion,
        ToolDescriptor descriptor, ArgumentSchema schema, String invalidReason) {
        this.reference = reference;
        this.serviceId = (Long) reference.getProperty(org.osgi.framework.Constants.SERVICE_ID);
        this.name = name;
        this.bundle = bundle;
        this.bundleVersion = bundleVersion;
        this.descriptor = descriptor;
        this.schema = schema;
        this.invalidReason = invalidReason;
    }

    boolean valid() {
        return invalidReason == null;
    }

    boolean withdrawn() {
        return withdrawn;
    }

    /**
     * Takes a place in the tool's bulkhead. The limit is read on every call, so a configuration change applies
     * at once, also to tools already called.
     *
     * @param limit the most calls the tool may run at once
     * @return false when the tool already runs that many
     */
    boolean tryEnterBulkhead(int limit) {
        while (true) {
            int now = running.get();
            if (now >= limit) {
                return false;
            }
            if (running.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place taken with {@link #tryEnterBulkhead(int)}; only when the tool's code really stopped. */
    void leaveBulkhead() {
        running.decrementAndGet();
        releaseIfIdle();
    }

    /**
     * @return the tool service, fetched on first use; null when withdrawn or the service is gone
     */
    synchronized Tool service(BundleContext context) {
        if (withdrawn) {
            return null;
        }
        releasePending = false;
        if (service == null) {
            try {
                service = context.getService(reference);
            } catch (IllegalStateException | IllegalArgumentException e) {
                return null;
            }
            serviceContext = service == null ? null : context;
        }
        return service;
    }

    /** Registers a call in flight; false when the entry was withdrawn already. */
    boolean enter(InFlightCall call) {
        inFlight.add(call);
        if (withdrawn) {
            inFlight.remove(call);
            return false;
        }
        return true;
    }

    void leave(InFlightCall call) {
        inFlight.remove(call);
        releaseIfIdle();
    }

    private boolean idle() {
        return inFlight.isEmpty() && running.get() == 0;
    }

    private void releaseIfIdle() {
        if (releasePending && idle()) {
            synchronized (this) {
                if (releasePending && idle()) {
                    ungetService();
                }
            }
        }
    }

    /** Withdraws the entry: calls in flight end as unavailable, the service object is released. */
    void withdraw() {
        withdrawn = true;
        for (InFlightCall call : inFlight) {
            call.withdraw();
        }
        synchronized (this) {
            ungetService();
        }
    }

    /**
     * Releases the service object when the tool becomes hidden, keeping the entry usable. Calls in flight keep
     * the tool they started with: the release waits until the last of them ends, so a delayed DS component is
     * not deactivated under a running call (or one that ignored its timeout and still runs).
     */
    synchronized void releaseService() {
        if (idle()) {
            ungetService();
        } else {
            releasePending = true;
        }
    }

    /** Caller holds the lock. */
    private void ungetService() {
        releasePending = false;
        if (service != null && serviceContext != null) {
            try {
                serviceContext.ungetService(reference);
            } catch (IllegalStateException e) {
                // the context is gone already: nothing to release
            }
        }
        service = null;
        serviceContext = null;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** A call the entry can withdraw. */
    interface InFlightCall {
        void withdraw();
    }
}
