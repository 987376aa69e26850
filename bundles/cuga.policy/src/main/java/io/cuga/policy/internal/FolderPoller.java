package io.cuga.policy.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Watches the policies folder by polling: every {@code *.yaml} file (not hidden, not in subfolders, symbolic
 * links followed). A new or edited file is reported only once its size and modification time are the same in
 * two consecutive scans, and only when its bytes differ from what was last reported, so an editor saving in
 * steps never hands over half a document unless it pauses longer than a scan interval. A file is reported deleted
 * only when it is missing in two consecutive scans (editors that delete and re-create do not deactivate the
 * profile in between). Not thread-safe: one thread scans.
 */
final class FolderPoller {

    /** The file name suffix of policy documents. */
    static final String SUFFIX = ".yaml";

    /**
     * What one scan found.
     *
     * @param changed new or edited files, by file name, with their content
     * @param deleted files that are gone, by file name
     */
    record Scan(Map<String, byte[]> changed, List<String> deleted) {

        /** @return whether nothing happened */
        boolean isEmpty() {
            return changed.isEmpty() && deleted.isEmpty();
        }
    }

    /** What a file looked like: size and modification time. */
    private record Stamp(long size, FileTime modified, Object key) {
    }

    /** What is known of one file name. */
    private static final class Seen {
        Stamp last;
        Stamp reported;
        String digest;
        boolean missingOnce;
    }

    private final Path folder;
    private final Map<String, Seen> files = new HashMap<>();
    private final Set<String> ignoredReported = new HashSet<>();
    private final List<String> ignored = new ArrayList<>();

    /** @param folder the policies folder (it may not exist yet) */
    FolderPoller(Path folder) {
        this.folder = folder;
    }

    /** @return the folder */
    Path folder() {
        return folder;
    }

    /**
     * Reads every document now, without waiting for them to be stable: for the first load, when nothing is
     * being written.
     *
     * @return every document, as changed
     */
    Scan initial() {
        Map<String, byte[]> changed = new TreeMap<>();
        for (Map.Entry<String, Stamp> entry : list().entrySet()) {
            String name = entry.getKey();
            Seen seen = files.computeIfAbsent(name, n -> new Seen());
            seen.last = entry.getValue();
            byte[] bytes = readStable(name, entry.getValue());
            if (bytes != null) {
                seen.reported = seen.last;
                seen.digest = PolicyCompiler.digest(bytes);
                changed.put(name, bytes);
            }
        }
        return new Scan(changed, List.of());
    }

    /** @return what changed since the previous scan, as described in the class comment */
    Scan scan() {
        Map<String, Stamp> now = list();
        Map<String, byte[]> changed = new TreeMap<>();
        List<String> deleted = new ArrayList<>();
        for (Map.Entry<String, Stamp> entry : now.entrySet()) {
            String name = entry.getKey();
            Stamp stamp = entry.getValue();
            Seen seen = files.get(name);
            if (seen == null) {
                seen = new Seen();
                seen.last = stamp;
                files.put(name, seen);
                continue;
            }
            seen.missingOnce = false;
            if (!stamp.equals(seen.last)) {
                seen.last = stamp;
                continue;
            }
            if (stamp.equals(seen.reported)) {
                continue;
            }
            byte[] bytes = readStable(name, stamp);
            if (bytes == null) {
                seen.last = null;
                continue;
            }
            seen.reported = stamp;
            String digest = PolicyCompiler.digest(bytes);
            if (!digest.equals(seen.digest)) {
                seen.digest = digest;
                changed.put(name, bytes);
            }
        }
        for (Iterator<Map.Entry<String, Seen>> it = files.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Seen> entry = it.next();
            if (now.containsKey(entry.getKey())) {
                continue;
            }
            Seen seen = entry.getValue();
            if (!seen.missingOnce && seen.digest != null) {
                seen.missingOnce = true;
                continue;
            }
            it.remove();
            if (seen.digest != null) {
                deleted.add(entry.getKey());
            }
        }
        return new Scan(changed, deleted);
    }

    /**
     * Records a file this process wrote itself, so the next scans do not report it again.
     *
     * @param name the file name
     * @param bytes what was written
     */
    void written(String name, byte[] bytes) {
        Seen seen = files.computeIfAbsent(name, n -> new Seen());
        Stamp stamp = stamp(folder.resolve(name));
        seen.last = stamp;
        seen.reported = stamp;
        seen.digest = PolicyCompiler.digest(bytes);
        seen.missingOnce = false;
    }

    /** @return file names seen for the first time that are ignored (such as {@code *.yml}), once each */
    List<String> drainIgnored() {
        List<String> out = new ArrayList<>(ignored);
        ignored.clear();
        return out;
    }

    private Map<String, Stamp> list() {
        Map<String, Stamp> out = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return out;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (!name.endsWith(SUFFIX)) {
                    if (name.endsWith(".yml") && ignoredReported.add(name)) {
                        ignored.add(name);
                    }
                    continue;
                }
                Stamp stamp = stamp(path);
                if (stamp != null) {
                    out.put(name, stamp);
                }
            }
        } catch (IOException e) {
            // the folder went away or cannot be read: this scan sees what it saw so far
        }
        return out;
    }

    private static Stamp stamp(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return null;
            }
            return new Stamp(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the content, or null when the file changed (or vanished) while it was read */
    private byte[] readStable(String name, Stamp before) {
        Path path = folder.resolve(name);
        try {
            byte[] bytes = Files.size(path) > YamlTree.MAX_BYTES + 1L
                ? readPrefix(path) : Files.readAllBytes(path);
            Stamp after = stamp(path);
            return Objects.equals(before, after) ? bytes : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the first {@code MAX_BYTES + 1} bytes: enough for the size check to refuse the document */
    private static byte[] readPrefix(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            return in.readNBytes(YamlTree.MAX_BYTES + 1);
        }
    }
}
