package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.Headers;

import java.util.Map;

/**
 * The wait a final 5xx tells the caller ({@code retry-after} in whole seconds rounded up, {@code retry-after-ms}
 * exact): the longest of the upstream's own retry-after, the time until the soonest circuit of the model half-opens
 * (when every one is open) and the configured floor, capped at the configured maximum. An SDK that honours it waits
 * instead of hammering a failing provider with its own immediate retries.
 */
record RetryHint(long floorMs, long maxMs) {

    static RetryHint of(SluiceConfig.RetryHints h) {
        return new RetryHint(h.floorMs(), h.maxMs());
    }

    /** @param upstreamMs the upstream's retry-after, or -1; @param circuitMs the time until a circuit may probe, or -1 */
    long millis(long upstreamMs, long circuitMs) {
        return Math.min(maxMs, Math.max(floorMs, Math.max(upstreamMs, circuitMs)));
    }

    /** The error with the hint's two headers (a 5xx only; others are returned as they are). */
    ApiException applyTo(ApiException e, long upstreamMs, long circuitMs) {
        if (e.status() < 500) return e;
        long ms = millis(upstreamMs, circuitMs);
        return e.withHeaders(Map.of(Headers.RETRY_AFTER, String.valueOf((ms + 999) / 1000),
                Headers.RETRY_AFTER_MS, String.valueOf(ms)));
    }
}
