package io.cuga.runtime.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes FileInstall watch the configuration folder ({@code cuga.config}, the operator's {@code runtime-config/})
 * for {@code *.cfg} files, so an edit reaches its component without a restart. It creates a factory
 * configuration for FileInstall's ManagedServiceFactory ({@code org.apache.felix.fileinstall}).
 *
 * <p>FileInstall scans nothing until the framework is fully started, which would let the core start on default
 * configuration. So at activation (start level 4, before the core) the files already in the folder are handed
 * to FileInstall's own configuration installer, synchronously: the core starts with its configuration, and
 * FileInstall's first scan finds every configuration up to date.
 */
@Component(configurationPid = ConfigFolderWatch.PID, service = {}, immediate = true)
@Designate(ocd = ConfigFolderWatch.Config.class)
public final class ConfigFolderWatch {

    static final String PID = "io.cuga.runtime.configwatch";
    static final String FILEINSTALL_FACTORY_PID = "org.apache.felix.fileinstall";
    static final String WATCHER_NAME = "cuga.config";

    @ObjectClassDefinition(name = "cuga configuration folder watch",
            description = "FileInstall watches the configuration folder (framework property cuga.config) so that"
                    + " edits to its files reach components without a restart.")
    public @interface Config {

        @AttributeDefinition(name = "Poll interval (ms)",
                description = "How often FileInstall looks for new, changed or deleted files.", min = "50")
        long poll_ms() default 250;

        @AttributeDefinition(name = "File name filter",
                description = "Regular expression: files of the folder whose names match become configurations."
                        + " Files are named <pid>.cfg, or <factoryPid>-<name>.cfg for a factory configuration.")
        String filter() default ".*\\.cfg";
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConfigFolderWatch.class);

    private final ConfigurationAdmin configAdmin;
    private final Path folder;
    private final Path tmp;
    private volatile Configuration watcher;

    @Activate
    public ConfigFolderWatch(BundleContext context, Config config, @Reference ConfigurationAdmin configAdmin,
            @Reference(service = ArtifactInstaller.class, policyOption = ReferencePolicyOption.GREEDY)
            List<ArtifactInstaller> installers) throws IOException {
        this.configAdmin = configAdmin;
        String dir = context.getProperty("cuga.config");
        this.folder = dir == null ? null : Paths.get(dir).toAbsolutePath();
        String data = context.getProperty("cuga.data");
        this.tmp = data == null ? null : Paths.get(data, "tmp", "fileinstall-config");
        if (folder == null || !Files.isDirectory(folder)) {
            LOG.warn("No configuration folder to watch: framework property cuga.config is {}", dir);
            return;
        }
        Pattern filter = filter(config);
        int applied = applyNow(filter, installers);
        LOG.info("Applied {} configuration file(s) from {}", applied, folder);
        watch(config);
    }

    @Modified
    void modified(Config config) throws IOException {
        if (folder != null && Files.isDirectory(folder)) {
            watch(config);
        }
    }

    @Deactivate
    void deactivate() {
        Configuration c = watcher;
        if (c != null) {
            try {
                c.delete();
            } catch (IOException | IllegalStateException e) {
                LOG.debug("The FileInstall watcher of {} was already gone: {}", folder, e.toString());
            }
        }
    }

    /** Creates or updates the FileInstall factory configuration that watches the folder. */
    private void watch(Config config) throws IOException {
        filter(config); // refuse a broken expression before FileInstall sees it
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("felix.fileinstall.dir", folder.toString());
        props.put("felix.fileinstall.filter", config.filter());
        props.put("felix.fileinstall.poll", Long.toString(Math.max(50, config.poll_ms())));
        props.put("felix.fileinstall.noInitialDelay", "true");
        props.put("felix.fileinstall.enableConfigSave", "false");
        props.put("felix.fileinstall.log.level", "3");
        if (tmp != null) {
            props.put("felix.fileinstall.tmpdir", tmp.toString());
        }
        Configuration c = configAdmin.getFactoryConfiguration(FILEINSTALL_FACTORY_PID, WATCHER_NAME, "?");
        watcher = c;
        if (c.updateIfDifferent(props)) {
            LOG.info("FileInstall watches {} for {} every {} ms", folder, config.filter(), config.poll_ms());
        }
    }

    /** Hands the matching files of the folder to FileInstall's installer for them; returns how many it took. */
    private int applyNow(Pattern filter, List<ArtifactInstaller> installers) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(folder)) {
            for (Path p : s) {
                if (Files.isRegularFile(p) && filter.matcher(p.getFileName().toString()).matches()) {
                    files.add(p);
                }
            }
        }
        files.sort(null);
        int applied = 0;
        for (Path p : files) {
            File f = p.toFile();
            ArtifactInstaller installer = installers.stream().filter(i -> i.canHandle(f)).findFirst().orElse(null);
            if (installer == null) {
                LOG.warn("FileInstall has no installer for {}; it is left to the watcher", p);
                continue;
            }
            try {
                installer.install(f);
                applied++;
            } catch (Exception e) {
                LOG.warn("Configuration file {} was not applied: {}", p, String.valueOf(e.getMessage()));
            }
        }
        return applied;
    }

    private static Pattern filter(Config config) {
        try {
            return Pattern.compile(config.filter());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("filter of " + PID + " is not a regular expression: "
                    + e.getDescription(), e);
        }
    }
}
