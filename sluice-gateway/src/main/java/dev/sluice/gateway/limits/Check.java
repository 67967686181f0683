package dev.sluice.gateway.limits;

/**
 * One bucket a request must fit into: its store key, which limit of which scope it is, the limit ({@code capacity}
 * units per window) and what this request takes from it ({@code cost}; a negative cost in an adjustment refunds).
 */
record Check(String key, LimitKind kind, LimitScope scope, long capacity, long cost) {
    public long windowMs() { return kind.windowMs(); }

    public Check withCost(long c) { return new Check(key, kind, scope, capacity, c); }
}
