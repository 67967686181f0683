package dev.sluice.gateway.limits;

/**
 * One bucket a request must fit into: its store key, which limit of which scope it is, the limit ({@code capacity}
 * units per window) and what this request takes from it ({@code cost}; a negative cost in an adjustment refunds).
 * {@code group} names the buckets the in-memory store keeps under one lock (one owner's limits on one family: a
 * decision takes one lock per scope, not one per limit); a key always comes with the same group.
 */
record Check(String key, String group, LimitKind kind, LimitScope scope, long capacity, long cost) {
    /** A check whose bucket is a group of its own. */
    Check(String key, LimitKind kind, LimitScope scope, long capacity, long cost) {
        this(key, key, kind, scope, capacity, cost);
    }

    public long windowMs() { return kind.windowMs(); }

    public Check withCost(long c) { return new Check(key, group, kind, scope, capacity, c); }
}
