package dev.sluice.gateway.console;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in console sessions, held only in this gateway's memory: a random id (the cookie) maps to the session's
 * CSRF token and its expiry. Signing out removes the entry, so a replayed cookie finds nothing. Time and randomness
 * are injected.
 */
public final class ConsoleSessions {
    /** At most this many live sessions; the oldest expiring goes first when a new one would exceed it. */
    static final int MAX_SESSIONS = 1_000;

    public record Session(String id, String csrfToken, Instant expiresAt) {
        /** Constant-time check of a submitted CSRF token. */
        public boolean csrfMatches(String submitted) {
            return submitted != null && MessageDigest.isEqual(submitted.getBytes(StandardCharsets.UTF_8),
                    csrfToken.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Random random;
    private final Duration ttl;

    public ConsoleSessions(Clock clock, Random random, Duration ttl) {
        this.clock = clock;
        this.random = random;
        this.ttl = ttl;
    }

    public Duration ttl() { return ttl; }

    public Session create() {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> !s.expiresAt().isAfter(now));
        while (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().min(java.util.Comparator.comparing(Session::expiresAt))
                    .ifPresent(s -> sessions.remove(s.id()));
        }
        Session s = new Session(token(), token(), now.plus(ttl));
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session of a cookie value; an unknown, signed-out or expired id finds nothing. */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) return Optional.empty();
        Session s = sessions.get(id);
        if (s == null) return Optional.empty();
        if (!s.expiresAt().isAfter(clock.instant())) {
            sessions.remove(id);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    public void invalidate(String id) {
        if (id != null) sessions.remove(id);
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
