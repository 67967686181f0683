package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.protocol.retry.Backoff;

import java.util.random.RandomGenerator;

/**
 * How many upstream attempts one client request may take and how long to wait between tries of one deployment:
 * the shared {@link Backoff} (exponential with jitter), never shorter than the upstream's own retry-after (read by
 * {@link dev.sluice.protocol.retry.RetryAfter}; up to a cap, beyond which the deployment is not retried for this
 * request). Pure arithmetic, so tests inject the random source.
 */
public record RetryPolicy(int maxAttempts, long baseBackoffMs, long maxBackoffMs, long maxRetryAfterMs) {

    public static RetryPolicy of(SluiceConfig.Retries r) {
        return new RetryPolicy(r.maxAttempts(), r.baseBackoffMs(), r.maxBackoffMs(), r.maxRetryAfterMs());
    }

    /**
     * The wait before retry number {@code retry} (0 for the first retry) of one deployment:
     * {@code min(base * 2^retry, max) * (0.75 .. 1.0)}, the jitter the official SDKs use.
     */
    public long backoffMs(int retry, RandomGenerator random) {
        return Math.round(new Backoff(baseBackoffMs, maxBackoffMs).millis(retry, random.nextDouble()));
    }
}
