package dev.sluice.gateway.idempotency;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.Optional;

/**
 * Where Idempotency-Key records live. Keys arrive already scoped to the project ({@code proj_…:<hash of the key>}),
 * so two tenants never share one. Every operation is atomic in the backend: of two concurrent {@link #reserve}
 * calls for one key exactly one gets the reservation.
 */
public interface IdempotencyStore extends AutoCloseable {

    /**
     * Reserves {@code key} for {@code requestId} for at most {@code inFlightTtl} (a crashed gateway's reservation
     * runs out). Returns empty when reserved, else the record already there (in flight or completed).
     */
    Future<Optional<IdempotencyRecord>> reserve(String key, String fingerprint, String requestId, Duration inFlightTtl);

    /** Replaces this request's reservation with its completed answer, kept for the store's retention. */
    Future<Void> complete(String key, IdempotencyRecord.Completed answer);

    /** Drops this request's reservation (it failed, was cancelled or streamed) so the key may be used again. */
    Future<Void> release(String key, String requestId);

    @Override
    default void close() {}
}
