package dev.sluice.gateway.store;

import dev.sluice.protocol.Hashes;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The SHA-256 hex of recently presented secrets, so a key that calls again is not hashed again: every request of a
 * caller presents the same secret, and hashing it (UTF-8 copy, digest, hex string) was a measurable share of the
 * request path. A secret's hash never changes, so nothing here can go stale; who the hash names, and whether that key
 * is still valid, is still looked up on every request ({@link CachingKeyLookup}), so revocation and expiry act as
 * before.
 *
 * <p>A fixed, direct-mapped table shared by all threads: a slot holds one immutable (secret, hash) pair, a new secret
 * overwrites the slot's pair (a flood of bad keys only costs hashing again), and the memory is bounded by
 * {@link #SLOTS} pairs. The secret is compared in constant time, so the time of a lookup says nothing about how much
 * of a remembered secret a guess shares. Pairs are never logged and have no {@code toString} that shows them.
 */
final class KeyHashes {
    /** Slots in the table (a power of two); a pair is about 300 bytes, so at most ~80 KB. */
    static final int SLOTS = 256;
    /** Longer secrets are hashed every time rather than kept (no real key is that long). */
    static final int MAX_SECRET_CHARS = 256;

    private final AtomicReferenceArray<Pair> slots = new AtomicReferenceArray<>(SLOTS);

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code secret}, as {@link Hashes#sha256Hex(String)} gives it. */
    String sha256Hex(String secret) {
        if (secret.length() > MAX_SECRET_CHARS) return Hashes.sha256Hex(secret);
        int slot = spread(secret.hashCode()) & (SLOTS - 1);
        Pair p = slots.getAcquire(slot);
        if (p != null && sameSecret(p.secret, secret)) return p.hash;
        String hash = Hashes.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
        slots.setRelease(slot, new Pair(secret, hash));
        return hash;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** Equal strings, in time that depends only on their lengths (length is no secret: key formats are public). */
    static boolean sameSecret(String a, String b) {
        if (a.length() != b.length()) return false;
        int diff = 0;
        for (int i = 0; i < a.length(); i++) diff |= a.charAt(i) ^ b.charAt(i);
        return diff == 0;
    }

    /** One remembered secret and its hash; deliberately without a {@code toString} that would print the secret. */
    private static final class Pair {
        final String secret;
        final String hash;

        Pair(String secret, String hash) {
            this.secret = secret;
            this.hash = hash;
        }

        @Override
        public String toString() {
            return "KeyHashes.Pair[redacted]";
        }
    }
}
