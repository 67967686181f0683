package dev.sluice.gateway.limits;

/**
 * The arithmetic of one continuously refilling bucket, shared by both stores (the Redis script is a line-by-line copy).
 * A bucket of capacity C per window W keeps its fill level {@code u} scaled by W (unit-milliseconds): a unit taken
 * adds W, and the level drains by C every millisecond, so C units refill evenly over W and every quantity stays an
 * exact integer. A request of cost n fits when {@code u + n*W <= C*W}.
 */
final class BucketMath {
    private BucketMath() {}

    /** The level at {@code now} of a bucket last written at {@code at} with level {@code u}. */
    public static long drain(long u, long at, long now, long capacity) {
        long elapsed = now - at;
        if (elapsed <= 0 || u <= 0) return Math.max(0, u);
        if (elapsed >= ceilDiv(u, capacity)) return 0;
        return u - elapsed * capacity;
    }

    public static boolean fits(long level, long cost, long capacity, long windowMs) {
        return level + cost * windowMs <= capacity * windowMs;
    }

    /** Milliseconds until {@code cost} fits (0 if it fits now); meaningless when cost exceeds the capacity. */
    public static long waitMs(long level, long cost, long capacity, long windowMs) {
        long excess = level + cost * windowMs - capacity * windowMs;
        return excess <= 0 ? 0 : ceilDiv(excess, capacity);
    }

    /** Units held in the window at this level, rounded up. */
    public static long used(long level, long windowMs) {
        return ceilDiv(level, windowMs);
    }

    public static long remaining(long level, long capacity, long windowMs) {
        return Math.max(0, capacity - used(level, windowMs));
    }

    /** Milliseconds until the bucket is back to its initial (empty) state. */
    public static long resetMs(long level, long capacity) {
        return ceilDiv(level, capacity);
    }

    static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }
}
