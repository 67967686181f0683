package dev.sluice.gateway.limits;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where bucket levels live. Both operations are atomic over all the checks they are given, so concurrent requests
 * (in one process or, for Redis, in many) never see a half-applied decision. {@code nowMs} comes from the caller's
 * clock, never from the store, so a fake clock makes every outcome exact.
 */
public interface LimitStore extends AutoCloseable {

    /**
     * Drains every bucket to {@code nowMs}; if every check fits, takes each cost from its bucket, otherwise changes
     * nothing. Returns whether it took, and every bucket's level before taking.
     */
    Future<Levels> acquire(List<Check> checks, long nowMs);

    /** Adds each check's cost (negative: refund, floored at empty) to its bucket, after draining it to {@code nowMs}. */
    Future<Void> adjust(List<Check> checks, long nowMs);

    @Override
    default void close() {}

    /** The outcome of {@link #acquire}: the levels are those before the costs were taken. */
    record Levels(boolean admitted, long[] before) {}
}
