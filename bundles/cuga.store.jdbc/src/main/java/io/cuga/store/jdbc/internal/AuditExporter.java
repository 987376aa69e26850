package io.cuga.store.jdbc.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cuga.api.store.AuditTrail;
import io.cuga.api.store.StoreUnavailableException;

/**
 * Ships the audit trail as JSON Lines: tails {@link AuditTrail#export} and appends one JSON object per record
 * (the record's fields with {@code seq}, {@code prevHash} and {@code hash}, keys sorted) to a file. After a
 * restart it resumes after the last record in the file (or, when the file was rotated away, after the position
 * kept in {@code <file>.seq}): no duplicates, no gaps. A half-written last line (a crash mid-write) is cut off
 * and written again. Disabled by default.
 */
@Component(configurationPid = AuditExporter.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = {})
@Designate(ocd = AuditExporter.Config.class)
public final class AuditExporter {

    /** The configuration PID. */
    public static final String PID = "cuga.audit.export";

    private static final Logger LOG = LoggerFactory.getLogger(AuditExporter.class);
    private static final int BATCH = 500;

    /** Where and how often. */
    @ObjectClassDefinition(name = "cuga audit JSON Lines export",
        description = "Appends every audit record as one JSON object per line to a file, for log shipping.")
    public @interface Config {

        /** @return whether the export runs */
        @AttributeDefinition(name = "Enabled")
        boolean enabled() default false;

        /** @return the file, empty for the default */
        @AttributeDefinition(name = "File", description = "Empty means ${cuga.data}/audit/audit.jsonl.")
        String path() default "";

        /** @return the poll interval */
        @AttributeDefinition(name = "Poll interval (ms)",
            description = "How often the trail is asked for new records when there were none.")
        long poll_millis() default 1000;
    }

    private final AuditTrail trail;
    private final AuditCodec codec = new AuditCodec();
    private final Path file;
    private final Path position;
    private final long pollMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean failing;

    /**
     * @param context for {@code cuga.data}
     * @param trail the audit trail
     * @param config the configuration
     */
    @Activate
    public AuditExporter(BundleContext context, @Reference AuditTrail trail, Config config) {
        this(trail, resolve(context.getProperty("cuga.data"), config.path()), config.poll_millis(),
            config.enabled());
    }

    AuditExporter(AuditTrail trail, Path file, long pollMillis, boolean enabled) {
        this.trail = trail;
        this.file = file;
        this.position = file.resolveSibling(file.getFileName() + ".seq");
        this.pollMillis = Math.max(10, pollMillis);
        if (!enabled) {
            thread = null;
            return;
        }
        thread = new Thread(this::run, "cuga-audit-export");
        thread.setDaemon(true);
        thread.start();
        LOG.info("Exporting the audit trail to {}", file);
    }

    static Path resolve(String data, String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim()).toAbsolutePath();
        }
        Path base = data == null || data.isBlank() ? Path.of("data") : Path.of(data);
        return base.resolve("audit").resolve("audit.jsonl").toAbsolutePath();
    }

    /** Stops the export. */
    @Deactivate
    void deactivate() {
        running = false;
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
        if (thread != null) {
            // no interrupt first: an interrupt closes a FileChannel in the middle of a write or a force, which
            // would leave lines written but the kept position behind (duplicates after the next rotation)
            try {
                thread.join(5_000);
                if (thread.isAlive()) {
                    thread.interrupt();
                    thread.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the next poll, or until the export is stopped. */
    private void pause() throws InterruptedException {
        synchronized (wakeup) {
            if (running) {
                wakeup.wait(pollMillis);
            }
        }
    }

    private final Object wakeup = new Object();

    private void run() {
        long last = -1;
        while (running) {
            try {
                if (last < 0) {
                    last = resume();
                }
                long next = exportOnce(last);
                if (failing) {
                    LOG.info("Audit export resumed after record {}", last);
                    failing = false;
                }
                if (next == last) {
                    pause();
                }
                last = next;
            } catch (InterruptedException e) {
                return;
            } catch (StoreUnavailableException | IOException | UncheckedIOException e) {
                if (!failing) {
                    LOG.warn("Audit export paused: {}", e.getMessage());
                    failing = true;
                }
                last = -1; // re-read the file's end: a failed write may have left half a line
                try {
                    pause();
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.error("Audit export failed", e);
                try {
                    pause();
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /**
     * Exports one batch.
     *
     * @param after the last exported position
     * @return the new last position
     */
    long exportOnce(long after) throws IOException {
        StringBuilder lines = new StringBuilder();
        long last = trail.export(after, BATCH, r -> lines.append(codec.line(r)).append('\n'));
        if (last == after) {
            return after;
        }
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        }
        Path tmp = position.resolveSibling(position.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(last), StandardCharsets.UTF_8);
        Files.move(tmp, position, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return last;
    }

    /**
     * @return the position to resume after: the last complete line's {@code seq}, else the kept position, else 0;
     *     a half-written last line is cut off
     */
    long resume() throws IOException {
        long kept = 0;
        if (Files.isRegularFile(position)) {
            try {
                kept = Long.parseLong(Files.readString(position, StandardCharsets.UTF_8).trim());
            } catch (NumberFormatException e) {
                kept = 0;
            }
        }
        if (!Files.isRegularFile(file)) {
            return kept;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long end = size;
            // find the last '\n'; anything after it is half a line
            long lastNewline = lastIndexOf(ch, end, '\n');
            if (lastNewline < end - 1) {
                ch.truncate(lastNewline + 1);
                LOG.warn("Audit export: cut a half-written line off the end of {}", file);
            }
            if (lastNewline < 0) {
                return kept;
            }
            long start = lastIndexOf(ch, lastNewline, '\n') + 1;
            ByteBuffer line = ByteBuffer.allocate((int) (lastNewline - start));
            ch.read(line, start);
            Map<String, Object> m = codec.parse(new String(line.array(), StandardCharsets.UTF_8));
            Object seq = m.get("seq");
            long inFile = seq instanceof Number n ? n.longValue() : 0;
            return Math.max(inFile, kept);
        }
    }

    private static long lastIndexOf(FileChannel ch, long before, char c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long pos = before;
        while (pos > 0) {
            int n = (int) Math.min(buf.capacity(), pos);
            buf.clear().limit(n);
            ch.read(buf, pos - n);
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == c) {
                    return pos - n + i;
                }
            }
            pos -= n;
        }
        return -1;
    }

    /** @return the file written */
    Path file() {
        return file;
    }
}
