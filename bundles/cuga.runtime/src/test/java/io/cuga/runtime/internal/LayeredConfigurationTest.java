package io.cuga.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The layered configuration in a real Felix with the real ConfigAdmin bundle, its polls driven by the test: an
 * edit of cuga.yaml is acted on only once two polls in a row see it, so a file caught while it is rewritten in place
 * is never taken for one with fewer keys.
 */
class LayeredConfigurationTest {

    private static final String METATYPE = """
        <?xml version="1.0" encoding="UTF-8"?>
        <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.4.0">
          <OCD id="test.layered" name="test">
            <AD id="a" type="String" default="A"/>
            <AD id="b" type="String" default="B"/>
          </OCD>
          <Designate pid="test.layered"><Object ocdref="test.layered"/></Designate>
        </metatype:MetaData>
        """;

    @TempDir
    Path tmp;

    private Framework framework;
    private LayeredConfiguration layers;
    private Path yaml;

    @BeforeEach
    void start() throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        Path deploy = Files.createDirectories(tmp.resolve("deploy"));
        // the PID's metatype, where the server finds its bundles' metatypes
        try (OutputStream out = Files.newOutputStream(deploy.resolve("test-metatype.jar"));
            JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("OSGI-INF/metatype/test.xml"));
            jar.write(METATYPE.getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        yaml = config.resolve("cuga.yaml");
        Files.writeString(yaml, "test:\n  layered:\n    a: one\n    b: two\n");

        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // ConfigAdmin's API from this class path, so the bundle and the code under test share it
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "org.osgi.service.cm;version=1.6.1");
        props.put("cuga.config", config.toString());
        props.put("cuga.deploy", deploy.toString());
        framework = new FrameworkFactory().newFramework(props);
        framework.start();
        BundleContext context = framework.getBundleContext();
        String configAdminJar = Path.of(org.apache.felix.cm.impl.ConfigurationManager.class.getProtectionDomain()
            .getCodeSource().getLocation().toURI()).toUri().toString();
        Bundle cm = context.installBundle(configAdminJar);
        cm.start();
        ConfigurationAdmin admin = context.getService(context.getServiceReference(ConfigurationAdmin.class));

        ConfigFolderWatch.Config watch = (ConfigFolderWatch.Config) Proxy.newProxyInstance(
            ConfigFolderWatch.Config.class.getClassLoader(), new Class<?>[] {ConfigFolderWatch.Config.class},
            (proxy, method, args) -> method.getName().equals("poll_ms") ? 3_600_000L : method.getDefaultValue());
        // polls every hour: each poll below is one the test makes
        layers = new LayeredConfiguration(context, watch, admin);
    }

    @AfterEach
    void stop() throws Exception {
        if (layers != null) {
            layers.deactivate();
        }
        framework.stop();
        framework.waitForStop(10_000);
    }

    @Test
    void anEditIsActedOnOnlyOnceTwoPollsInARowSeeIt() throws Exception {
        assertThat(layers.overlay().get("test.layered")).containsEntry("a", "one").containsEntry("b", "two");

        // caught while it is being rewritten in place: a valid file without b
        Files.writeString(yaml, "test:\n  layered:\n    a: uno\n");
        layers.pollNow();
        assertThat(layers.overlay().get("test.layered")).as("after one poll of the half-written file")
            .containsEntry("a", "one").containsEntry("b", "two");

        // the editor finishes: seen once, then acted on
        Files.writeString(yaml, "test:\n  layered:\n    a: uno\n    b: two\n");
        layers.pollNow();
        assertThat(layers.overlay().get("test.layered")).containsEntry("a", "one").containsEntry("b", "two");
        layers.pollNow();
        assertThat(layers.overlay().get("test.layered")).as("after the second poll that saw it")
            .containsEntry("a", "uno").containsEntry("b", "two");

        // nothing changes: nothing happens
        layers.pollNow();
        assertThat(layers.overlay().get("test.layered")).containsEntry("a", "uno").containsEntry("b", "two");
    }
}
