package io.cuga.http.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.Servlet;

/**
 * Registers the benchmark baseline servlet ({@link BareServlet}, {@code POST /bench/bare}) while configuration
 * {@value #PID} exists and says {@code benchmark.bare.servlet=true}. Without that configuration the component
 * does not exist at all; with the flag false it exists and registers nothing. Never enable it in production:
 * the route is open.
 */
@Component(service = {}, configurationPid = BenchServletRegistrar.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = BenchServletRegistrar.Config.class)
public final class BenchServletRegistrar {

    /** The configuration PID. */
    static final String PID = "cuga.http.bench";

    private static final Logger LOG = LoggerFactory.getLogger(BenchServletRegistrar.class);

    /** Whether the baseline servlet is served. */
    @ObjectClassDefinition(name = "cuga HTTP benchmark baseline",
        description = "An open POST /bench/bare that answers like a successful invoke without auth or "
            + "dispatcher, for load tests only.")
    public @interface Config {

        /** @return whether /bench/bare is served */
        @AttributeDefinition(name = "Serve /bench/bare",
            description = "Register the open benchmark baseline servlet. For load tests only.")
        boolean benchmark_bare_servlet() default false;

        /** @return the request body limit of the baseline */
        @AttributeDefinition(name = "Request body limit", description = "In bytes, as for the API.")
        long max_body_bytes() default ApiServlet.DEFAULT_MAX_BODY;
    }

    private final BundleContext context;
    private ServiceRegistration<Servlet> registration;

    /**
     * @param context the bundle context to register the servlet with
     * @param config the configuration
     */
    @Activate
    public BenchServletRegistrar(BundleContext context, Config config) {
        this.context = context;
        modified(config);
    }

    /** @param config the new configuration */
    @Modified
    synchronized void modified(Config config) {
        unregister();
        if (!config.benchmark_bare_servlet()) {
            LOG.info("{} is present but benchmark.bare.servlet is false: {} is not served", PID,
                BareServlet.PATTERN);
            return;
        }
        long limit = config.max_body_bytes() > 0 ? config.max_body_bytes() : ApiServlet.DEFAULT_MAX_BODY;
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, BareServlet.PATTERN);
        properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "cuga.http.bench.bare");
        registration = context.registerService(Servlet.class, new BareServlet(limit), properties);
        LOG.warn("Benchmark baseline servlet {} is served, open to anyone: for load tests only",
            BareServlet.PATTERN);
    }

    /** Unregisters the servlet. */
    @Deactivate
    synchronized void deactivate() {
        unregister();
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and the framework unregistered it already
            }
            registration = null;
        }
    }
}
