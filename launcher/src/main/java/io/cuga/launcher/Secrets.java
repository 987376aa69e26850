package io.cuga.launcher;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The secrets the launcher owns under {@code <data>/secrets/} (folder 0700, files 0600): the admin bearer token
 * and the Web Console login. Each is generated once with {@link SecureRandom} unless the environment supplies it,
 * and kept across restarts.
 */
final class Secrets {

    static final String ADMIN_TOKEN_FILE = "admin.token";
    static final String CONSOLE_FILE = "console.credentials";
    static final String DEFAULT_CONSOLE_USER = "admin";

    /** The Web Console login in effect and where an operator finds it. */
    record Console(String user, String password, String where) {
    }

    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    Secrets(Path data) throws IOException {
        this.dir = data.resolve("secrets");
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
        Files.setPosixFilePermissions(dir, OWNER_RWX);
    }

    Path dir() {
        return dir;
    }

    /** @return where the admin token is: its file, or the environment variable that holds it */
    String adminToken(Map<String, String> env) throws IOException {
        if (!blank(env.get("CUGA_ADMIN_TOKEN"))) {
            return "from CUGA_ADMIN_TOKEN";
        }
        Path file = dir.resolve(ADMIN_TOKEN_FILE);
        if (!Files.exists(file)) {
            createOwnerOnly(file, random(32) + "\n");
        }
        Files.setPosixFilePermissions(file, OWNER_RW);
        if (blank(Files.readString(file, StandardCharsets.UTF_8))) {
            throw new IOException(file + " is empty: delete it to have a new admin token generated");
        }
        return file.toString();
    }

    /** @return the console login: from CUGA_CONSOLE_USER / CUGA_CONSOLE_PASSWORD, or generated and stored */
    Console console(Map<String, String> env) throws IOException {
        String user = blank(env.get("CUGA_CONSOLE_USER")) ? null : env.get("CUGA_CONSOLE_USER").trim();
        String password = env.get("CUGA_CONSOLE_PASSWORD");
        if (!blank(password)) {
            user = user == null ? DEFAULT_CONSOLE_USER : user;
            if (user.equals("admin") && password.equals("admin")) {
                throw new IOException("refusing the Web Console login admin/admin: set another CUGA_CONSOLE_PASSWORD");
            }
            return new Console(user, password, "from CUGA_CONSOLE_PASSWORD");
        }
        Path file = dir.resolve(CONSOLE_FILE);
        if (!Files.exists(file)) {
            createOwnerOnly(file, "# Felix Web Console login of this cuga data folder (generated once; owner-only)\n"
                    + "user=" + (user == null ? DEFAULT_CONSOLE_USER : user) + "\npassword=" + random(18) + "\n");
        }
        Files.setPosixFilePermissions(file, OWNER_RW);
        Properties stored = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            stored.load(in);
        }
        String storedPassword = stored.getProperty("password");
        if (blank(storedPassword)) {
            throw new IOException(file + " has no password= line: delete it to have a new login generated");
        }
        return new Console(user != null ? user : stored.getProperty("user", DEFAULT_CONSOLE_USER).trim(),
                storedPassword.trim(), file.toString());
    }

    /**
     * @return the password in the salted, iterated form the Felix Web Console 5 accepts in
     *         {@code felix.webconsole.password}: {@code {sha-256}<hex salt>-<iterations>-<base64 digest>}, the
     *         digest being SHA-256 applied {@code iterations} times to the UTF-8 bytes of salt + password
     */
    static String consoleHash(String password) {
        byte[] salt = new byte[8];
        RANDOM.nextBytes(salt);
        return consoleHash(password, HexFormat.of().formatHex(salt), 1000);
    }

    static String consoleHash(String password, String salt, int iterations) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] bytes = (salt + password).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < iterations; i++) {
                bytes = sha.digest(bytes);
            }
            return "{sha-256}" + salt + '-' + iterations + '-' + Base64.getEncoder().encodeToString(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Writes a new owner-only file; if another instance created it first, theirs stays. */
    private void createOwnerOnly(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, ".new-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_RW));
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.createLink(file, tmp); // atomic: fails when the file exists
        } catch (FileAlreadyExistsException raced) {
            // another instance on the same data folder won; use its file
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
