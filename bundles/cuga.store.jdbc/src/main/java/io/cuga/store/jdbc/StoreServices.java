package io.cuga.store.jdbc;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import javax.sql.DataSource;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import io.cuga.api.health.ReadinessCheck;
import io.cuga.api.store.ApprovalStore;
import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.BudgetLedger;
import io.cuga.api.store.TaskStore;

/**
 * The services of one open store: {@link AuditTrail}, {@link BudgetLedger}, {@link ApprovalStore},
 * {@link TaskStore}, the
 * {@link ReadinessCheck} {@code store} and the {@link DataSource} (so other durable features can share the
 * database), each with the property {@value #BACKEND_PROPERTY}. {@link #close()} withdraws them all.
 */
public final class StoreServices implements AutoCloseable {

    /** The service property naming the backend: {@code sqlite} or {@code postgres}. */
    public static final String BACKEND_PROPERTY = "cuga.store.backend";

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    private StoreServices() {
    }

    /**
     * @param context the registering bundle's context
     * @param store the open store
     * @return the registrations
     */
    public static StoreServices register(BundleContext context, JdbcStore store) {
        StoreServices services = new StoreServices();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(BACKEND_PROPERTY, store.dialect().id());
        services.registrations.add(context.registerService(DataSource.class, store.dataSource(), props));
        services.registrations.add(context.registerService(ReadinessCheck.class, store.readiness(), props));
        services.registrations.add(context.registerService(new String[] {AuditTrail.class.getName(),
            BudgetLedger.class.getName(), ApprovalStore.class.getName(), TaskStore.class.getName()}, store, props));
        return services;
    }

    /** Withdraws the services (once). */
    @Override
    public synchronized void close() {
        for (int i = registrations.size() - 1; i >= 0; i--) {
            try {
                registrations.get(i).unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle stopped first
            }
        }
        registrations.clear();
    }
}
