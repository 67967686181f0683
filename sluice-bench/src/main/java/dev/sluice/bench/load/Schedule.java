package dev.sluice.bench.load;

/**
 * An open-loop schedule: request {@code i} (from 0) is due at {@code start + i / rate} seconds, whatever happened to
 * the requests before it. Latency is then measured from that intended time, not from when the request actually left,
 * so a stalled server (or a generator that fell behind) shows up in every request that should have been sent during
 * the stall — the correction for coordinated omission.
 */
public record Schedule(long startNanos, double ratePerSecond) {
    public Schedule {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number of requests per second, got " + ratePerSecond);
        }
    }

    /** When request {@code index} is due. */
    public long intendedNanos(long index) {
        if (index < 0) throw new IllegalArgumentException("index must be >= 0");
        return startNanos + (long) Math.floor(index * 1e9 / ratePerSecond);
    }

    /** How many requests are due at {@code nowNanos} (those with an intended time at or before it). */
    public long dueBy(long nowNanos) {
        if (nowNanos < startNanos) return 0;
        long n = (long) Math.floor((nowNanos - startNanos) * ratePerSecond / 1e9) + 1;
        // floating point can put the boundary one off either way; settle it with intendedNanos itself
        while (n > 0 && intendedNanos(n - 1) > nowNanos) n--;
        while (intendedNanos(n) <= nowNanos) n++;
        return n;
    }

    /** Requests due in {@code [start, start + seconds)}: how many one run of that length sends. */
    public long countWithin(double seconds) {
        return dueBy(startNanos + (long) (seconds * 1e9) - 1);
    }
}
