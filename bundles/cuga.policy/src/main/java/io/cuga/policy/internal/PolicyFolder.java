package io.cuga.policy.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** The policies folder: labels of its files in messages, and atomic writes of documents sent over the API. */
final class PolicyFolder {

    private final Path folder;
    private final String prefix;

    /**
     * @param folder the policies folder, absolute
     * @param config the configuration folder ({@code cuga.config}), or null
     */
    PolicyFolder(Path folder, Path config) {
        this.folder = folder;
        Path parent = config == null ? null : config.toAbsolutePath().normalize();
        Path self = folder.toAbsolutePath().normalize();
        this.prefix = parent != null && self.startsWith(parent) && !self.equals(parent)
            ? parent.relativize(self).toString().replace('\\', '/') + "/" : self + "/";
    }

    /** @return the folder */
    Path path() {
        return folder;
    }

    /**
     * @param fileName a file name in the folder
     * @return how messages name it: relative to the configuration folder when it is inside it
     *     ({@code policies/default.yaml}), else absolute
     */
    String label(String fileName) {
        return prefix + fileName;
    }

    /**
     * @param profile a profile
     * @return the label of its document
     */
    String labelOf(String profile) {
        return label(profile + FolderPoller.SUFFIX);
    }

    /**
     * Writes {@code <profile>.yaml} atomically: a hidden temporary file in the folder, flushed, then renamed over
     * the document, so a reader (this loader's poller, an editor) never sees half of it.
     *
     * @param profile the profile
     * @param bytes the document
     * @return the file name written
     * @throws IOException when it cannot be written; the old file is then untouched
     */
    String write(String profile, byte[] bytes) throws IOException {
        String name = profile + FolderPoller.SUFFIX;
        Files.createDirectories(folder);
        Path temporary = folder.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
            + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Path target = folder.resolve(name);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return name;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
