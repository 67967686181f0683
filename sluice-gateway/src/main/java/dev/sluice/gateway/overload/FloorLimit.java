package dev.sluice.gateway.overload;

import com.netflix.concurrency.limits.Limit;

import java.util.function.Consumer;

/**
 * An adaptive limit that never reports less than {@code overload.min_limit}. Gradient2 has a minimum of its own;
 * Vegas (concurrency-limits 0.5.4) has none and, fed a run of dropped requests (503/504), falls towards 1 — a
 * gateway that then admits a handful of requests at a time long after the upstream recovered. The algorithm keeps
 * learning underneath; only what the limiter admits is floored.
 */
final class FloorLimit implements Limit {
    private final Limit delegate;
    private final int floor;

    FloorLimit(Limit delegate, int floor) {
        this.delegate = delegate;
        this.floor = floor;
    }

    @Override
    public int getLimit() {
        return Math.max(floor, delegate.getLimit());
    }

    @Override
    public void notifyOnChange(Consumer<Integer> consumer) {
        delegate.notifyOnChange(limit -> consumer.accept(Math.max(floor, limit)));
    }

    @Override
    public void onSample(long startTime, long rtt, int inflight, boolean didDrop) {
        delegate.onSample(startTime, rtt, inflight, didDrop);
    }
}
