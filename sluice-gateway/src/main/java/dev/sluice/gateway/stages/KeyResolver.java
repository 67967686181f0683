package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Caller;
import io.vertx.core.Future;

import java.time.Instant;

/**
 * Looks an API key secret up (cached, off the event loop). The cache is keyed by the secret's hash; the only
 * secrets held are the last few hundred presented, in {@code KeyHashes}' bounded table (so a caller's key is not
 * hashed again on every request).
 */
public interface KeyResolver {
    Future<Resolution> resolve(String secret);

    enum Status { VALID, UNKNOWN, REVOKED, EXPIRED }

    /** The outcome; {@code at} is when the key was revoked or expires, when that matters. */
    record Resolution(Status status, Caller caller, Instant at) {
        public static Resolution unknown() { return new Resolution(Status.UNKNOWN, null, null); }
    }
}
