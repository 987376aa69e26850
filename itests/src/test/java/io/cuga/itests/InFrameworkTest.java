package io.cuga.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolRegistry;

/**
 * What every in-framework test class gets: the test bundle's context, ConfigurationAdmin, the real dispatcher
 * and registry, and a pool for concurrent callers that is shut down (and awaited) after each test.
 */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
abstract class InFrameworkTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin cm;

    @InjectService(timeout = 10_000)
    ServiceAware<Dispatcher> dispatcher;

    @InjectService(timeout = 10_000)
    ServiceAware<ToolRegistry> registry;

    /** The test bundle's symbolic name (its own tools come from it). */
    String bsn;

    /** Threads for calls a test runs concurrently. */
    ExecutorService callers;

    @BeforeEach
    void setUpInFramework() {
        bsn = context.getBundle().getSymbolicName();
        callers = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDownInFramework() throws Exception {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).as("test callers ended").isTrue();
    }
}
