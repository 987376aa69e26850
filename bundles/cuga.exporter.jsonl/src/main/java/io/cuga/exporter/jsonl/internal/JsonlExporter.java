package io.cuga.exporter.jsonl.internal;

import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventSink;

/**
 * Appends every event, as one JSON object per line ({@link EventJson}), to {@code <cuga.data>/events/events.jsonl}
 * (or the configured file), with owner-only permissions. When the next line would take the file past
 * {@code max.file.bytes} it is rolled: {@code events.jsonl} becomes {@code events.jsonl.1}, {@code .1} becomes
 * {@code .2}, and so on up to {@code max.files}; the oldest is deleted. Lines are buffered and written out when
 * the publisher's buffer for this sink runs empty ({@link Flushable}), and at least every
 * {@code flush.interval.ms} while events keep coming. Runs on the publisher's delivery thread: no thread of its
 * own.
 */
@Component(service = EventSink.class, configurationPid = JsonlExporter.PID,
    property = EventSink.NAME + "=" + JsonlExporter.SINK_NAME)
@Designate(ocd = JsonlExporter.Config.class)
public final class JsonlExporter implements EventSink, Flushable {

    /** The configuration PID. */
    static final String PID = "cuga.exporter.jsonl";

    /** The sink's name in the drop metrics. */
    static final String SINK_NAME = "jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(JsonlExporter.class);
    private static final int BUFFER_BYTES = 64 * 1024;

    /** Where and how the events are written. */
    @ObjectClassDefinition(name = "cuga JSON Lines event exporter",
        description = "Appends every event (already redacted) as one JSON object per line to a file, rolled by "
            + "size.")
    public @interface Config {

        /** @return the file, empty for the default */
        @AttributeDefinition(name = "File",
            description = "The events file. Empty means ${cuga.data}/events/events.jsonl.")
        String file() default "";

        /** @return the size at which the file is rolled */
        @AttributeDefinition(name = "Roll at (bytes)",
            description = "When the next line would take the file past this size, it is renamed to <file>.1 "
                + "and a new one started.")
        long max_file_bytes() default 64L * 1024 * 1024;

        /** @return how many rolled files are kept */
        @AttributeDefinition(name = "Rolled files kept",
            description = "How many rolled files (<file>.1 newest ... <file>.N oldest) are kept; 0 keeps none.")
        int max_files() default 5;

        /** @return the longest time a line waits in the buffer while events keep coming */
        @AttributeDefinition(name = "Flush interval (ms)",
            description = "Lines are written out whenever no more events are waiting, and at least this often "
                + "while they keep coming. 0 writes out every line at once.")
        long flush_interval_ms() default 1000;
    }

    /** The effective settings, swapped whole on a change. */
    private record Settings(Path file, long maxFileBytes, int maxFiles, long flushIntervalNanos) {
    }

    private final Path defaultFile;
    private final Object lock = new Object();
    private final EventJson json = new EventJson();
    private Settings settings;
    private OutputStream out;
    private long size;
    private long lastFlush = System.nanoTime();
    private boolean failing;

    /**
     * @param context for {@code cuga.data}
     * @param config the configuration
     */
    @Activate
    public JsonlExporter(BundleContext context, Config config) {
        this(defaultFile(context.getProperty("cuga.data")), config);
    }

    /**
     * @param defaultFile the file used when none is configured
     * @param config the configuration
     */
    JsonlExporter(Path defaultFile, Config config) {
        this.defaultFile = defaultFile;
        modified(config);
    }

    private static Path defaultFile(String data) {
        Path base = data == null || data.isBlank() ? Path.of("data") : Path.of(data);
        return base.resolve("events").resolve("events.jsonl").toAbsolutePath();
    }

    /**
     * Applies a new configuration: the current file is written out and closed, the next event opens the new one.
     *
     * @param config the configuration
     */
    @Modified
    void modified(Config config) {
        Path file = config.file() == null || config.file().isBlank() ? defaultFile
            : Path.of(config.file().trim()).toAbsolutePath();
        long maxBytes = config.max_file_bytes();
        if (maxBytes < 1024) {
            LOG.warn("{}: max.file.bytes {} is below 1024; using 1024", PID, maxBytes);
            maxBytes = 1024;
        }
        Settings next = new Settings(file, maxBytes, Math.max(0, config.max_files()),
            TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.flush_interval_ms())));
        synchronized (lock) {
            closeQuietly();
            settings = next;
        }
        LOG.info("Writing events to {} (rolled at {} bytes, {} rolled file(s) kept)", next.file(),
            next.maxFileBytes(), next.maxFiles());
    }

    /** Writes out what is buffered and closes the file. */
    @Deactivate
    void deactivate() {
        synchronized (lock) {
            closeQuietly();
        }
    }

    /** @return the file written now */
    Path file() {
        synchronized (lock) {
            return settings.file();
        }
    }

    @Override
    public void accept(Event event) {
        synchronized (lock) {
            int length = json.write(event) + 1; // and a line feed
            try {
                if (out == null) {
                    open();
                }
                if (size > 0 && size + length > settings.maxFileBytes()) {
                    roll();
                }
                json.writeTo(out, (byte) '\n');
                size += length;
                if (System.nanoTime() - lastFlush >= settings.flushIntervalNanos()) {
                    flushLocked();
                }
                if (failing) {
                    failing = false;
                    LOG.info("Writing events to {} again", settings.file());
                }
            } catch (IOException e) {
                closeQuietly();
                if (!failing) {
                    failing = true;
                    LOG.warn("Cannot write events to {}: {}; events are lost until it works again",
                        settings.file(), e.toString());
                }
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            if (out != null) {
                flushLocked();
            }
        }
    }

    private void flushLocked() throws IOException {
        out.flush();
        lastFlush = System.nanoTime();
    }

    private void open() throws IOException {
        Path file = settings.file();
        Path dir = file.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createDirectories(dir);
            }
        }
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            } catch (FileAlreadyExistsException raced) {
                // someone else made it: append to it
            }
        }
        out = new java.io.BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND), BUFFER_BYTES);
        size = Files.size(file);
        lastFlush = System.nanoTime();
    }

    /** Caller holds the lock and has an open file. */
    private void roll() throws IOException {
        out.close();
        out = null;
        Path file = settings.file();
        int keep = settings.maxFiles();
        if (keep == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rolled(file, keep));
            for (int i = keep - 1; i >= 1; i--) {
                Path from = rolled(file, i);
                if (Files.exists(from)) {
                    Files.move(from, rolled(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rolled(file, 1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    static Path rolled(Path file, int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void closeQuietly() {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("Closing the events file {} failed: {}", settings.file(), e.toString());
        }
        out = null;
    }
}
