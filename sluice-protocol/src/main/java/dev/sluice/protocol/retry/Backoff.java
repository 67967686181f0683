package dev.sluice.protocol.retry;

/**
 * Exponential backoff with jitter, the one the official SDKs use: {@code min(base × 2^retry, max) × (0.75 .. 1.0)}.
 * The jitter draw is passed in (uniform in [0, 1]), so callers inject their random source and tests fix it.
 *
 * @param baseMs the wait before the first retry, before jitter
 * @param maxMs  the longest wait, before jitter
 */
public record Backoff(double baseMs, double maxMs) {

    /**
     * The wait in milliseconds (not rounded) before retry number {@code retry} (0 for the first retry).
     *
     * @param uniform01 the jitter draw: 0 waits three quarters of the step, 1 the whole step
     */
    public double millis(int retry, double uniform01) {
        double step = Math.min(maxMs, baseMs * Math.pow(2, Math.min(Math.max(retry, 0), 30)));
        return step * (0.75 + 0.25 * uniform01);
    }
}
