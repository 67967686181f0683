package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Caller;
import io.vertx.core.Future;

import java.time.Instant;

/** Looks an API key secret up (cached, off the event loop); the secret itself is never kept. */
public interface KeyResolver {
    Future<Resolution> resolve(String secret);

    enum Status { VALID, UNKNOWN, REVOKED, EXPIRED }

    /** The outcome; {@code at} is when the key was revoked or expires, when that matters. */
    record Resolution(Status status, Caller caller, Instant at) {
        public static Resolution unknown() { return new Resolution(Status.UNKNOWN, null, null); }
    }
}
