package io.cuga.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cuga.api.health.ReadinessCheck.Readiness;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/** Runs the check against a real Felix framework with generated bundles, as the launcher sets it up. */
class FrameworkReadinessTest {

    @TempDir
    Path dir;

    private Framework framework;

    @AfterEach
    void stop() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    private String bundle(String name, Map<String, String> headers) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        a.putValue(Constants.BUNDLE_SYMBOLICNAME, name);
        a.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        headers.forEach(a::putValue);
        Path jar = dir.resolve(name + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return jar.toUri().toString();
    }

    private BundleContext start(int beginning, String... features) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(beginning));
        props.put(FrameworkReadiness.FEATURE_BUNDLES, String.join(",", features));
        props.put("felix.log.level", "0"); // the broken bundle is expected; keep its stack trace out
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
        framework.init();
        return framework.getBundleContext();
    }

    private static void install(BundleContext ctx, String location, int level, boolean start) throws Exception {
        Bundle b = ctx.installBundle(location);
        b.adapt(BundleStartLevel.class).setStartLevel(level);
        if (start) {
            b.start();
        }
    }

    @Test
    void readyWhenEveryFeatureBundleIsActiveAndFragmentsResolved() throws Exception {
        String host = bundle("host", Map.of());
        String fragment = bundle("frag", Map.of(Constants.FRAGMENT_HOST, "host"));
        BundleContext ctx = start(3, host, fragment);
        install(ctx, host, 2, true);
        install(ctx, fragment, 2, false);
        framework.start();

        Readiness r = new FrameworkReadiness(ctx).check();

        assertThat(r.ready()).as(r.detail()).isTrue();
        assertThat(r.detail()).isEqualTo("2 feature bundles active at start level 3");
        assertThat(new FrameworkReadiness(ctx).name()).isEqualTo("framework");
    }

    @Test
    void namesTheBundlesThatAreNotActiveAndAMissingStartLevel() throws Exception {
        String ok = bundle("ok", Map.of());
        String broken = bundle("broken", Map.of(Constants.IMPORT_PACKAGE, "no.such.pkg"));
        String stopped = bundle("stopped", Map.of());
        String absent = dir.resolve("absent.jar").toUri().toString();
        BundleContext ctx = start(2, ok, broken, stopped, absent);
        install(ctx, ok, 1, true);
        install(ctx, broken, 1, true);
        install(ctx, stopped, 1, false);
        framework.start();

        Readiness r = new FrameworkReadiness(ctx).check();

        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).contains("broken INSTALLED (unresolved)", "stopped INSTALLED", "absent.jar not installed")
                .doesNotContain("ok ").doesNotContain("start level");

        ctx.getBundle(stopped).start();
        ctx.getBundle(broken).uninstall();
        // the start level changes asynchronously: wait for the framework to say it has changed
        java.util.concurrent.CountDownLatch lowered = new java.util.concurrent.CountDownLatch(1);
        framework.adapt(FrameworkStartLevel.class).setStartLevel(1, event -> lowered.countDown());
        assertThat(lowered.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("start level lowered").isTrue();
        assertThat(new FrameworkReadiness(ctx).check().detail()).contains("start level 1 of 2")
                .contains("broken.jar not installed").doesNotContain("stopped");
    }
}
