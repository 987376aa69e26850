package io.cuga.http.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An immutable snapshot of the accepted bearer tokens, holding only their SHA-256 hashes. A presented token is
 * hashed once; the first eight bytes of its hash pick the candidates from a map, and the full hashes are then
 * compared with {@link MessageDigest#isEqual}, which takes the same time wherever the hashes differ.
 */
final class TokenTable {

    private static final Logger LOG = LoggerFactory.getLogger(TokenTable.class);

    /** Longest token considered at all; longer ones are rejected without hashing. */
    static final int MAX_TOKEN_LENGTH = 4096;

    /** The comparison used in production. */
    static final BiPredicate<byte[], byte[]> CONSTANT_TIME = MessageDigest::isEqual;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TokenTable::newDigest);

    /** An empty table: every token is refused. */
    static final TokenTable EMPTY = new TokenTable(List.of(), CONSTANT_TIME);

    private final Map<Long, Entry[]> byPrefix;
    private final List<Identity> identities;
    private final BiPredicate<byte[], byte[]> equality;

    /**
     * One accepted token.
     *
     * @param hash the SHA-256 of the token (32 bytes)
     * @param identity who it belongs to
     */
    record Entry(byte[] hash, Identity identity) {
    }

    /**
     * @param entries the accepted tokens; when two share a hash the first wins and the clash is logged
     * @param equality how full hashes are compared: {@link #CONSTANT_TIME} except in tests that watch the call
     */
    TokenTable(List<Entry> entries, BiPredicate<byte[], byte[]> equality) {
        this.equality = equality;
        Map<Long, List<Entry>> grouped = new HashMap<>();
        List<Identity> ids = new ArrayList<>();
        outer:
        for (Entry entry : entries) {
            List<Entry> group = grouped.computeIfAbsent(prefix(entry.hash()), k -> new ArrayList<>(1));
            for (Entry existing : group) {
                if (MessageDigest.isEqual(existing.hash(), entry.hash())) {
                    LOG.warn("The token of {} ({}) is the same as the token of {} ({}); only the first is used",
                        entry.identity().principal(), entry.identity().source(), existing.identity().principal(),
                        existing.identity().source());
                    continue outer;
                }
            }
            group.add(entry);
            ids.add(entry.identity());
        }
        Map<Long, Entry[]> frozen = new HashMap<>();
        grouped.forEach((k, v) -> frozen.put(k, v.toArray(new Entry[0])));
        this.byPrefix = frozen;
        this.identities = Collections.unmodifiableList(ids);
    }

    /**
     * @param token the token as presented
     * @return its identity, or null when the token is not accepted
     */
    Identity authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return null;
        }
        byte[] hash = sha256(token);
        Entry[] candidates = byPrefix.get(prefix(hash));
        if (candidates == null) {
            return null;
        }
        Identity found = null;
        for (Entry candidate : candidates) {
            if (equality.test(candidate.hash(), hash) && found == null) {
                found = candidate.identity();
            }
        }
        return found;
    }

    /** @return who holds an accepted token, in configuration order (for logs and tests; no secrets) */
    List<Identity> identities() {
        return identities;
    }

    /**
     * @param token a token
     * @return the SHA-256 of its UTF-8 bytes
     */
    static byte[] sha256(String token) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest.digest(token.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param token a token
     * @return the lowercase hex SHA-256, as {@code printf %s "$TOKEN" | sha256sum} prints it
     */
    static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static long prefix(byte[] hash) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | hash[i] & 0xff;
        }
        return value;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
