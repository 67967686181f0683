package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * How many upstream attempts one client request may take and how long to wait between tries of one deployment:
 * exponential backoff with jitter, never shorter than the upstream's own retry-after (up to a cap, beyond which the
 * deployment is not retried for this request). Pure arithmetic, so tests inject the random source and the clock.
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
        double exp = Math.min((double) maxBackoffMs, baseBackoffMs * Math.pow(2, Math.min(retry, 30)));
        return Math.round(exp * (0.75 + 0.25 * random.nextDouble()));
    }

    /**
     * The upstream's requested wait: {@code retry-after-ms} (milliseconds), else {@code retry-after} (seconds or an
     * HTTP date); -1 when neither is present or readable.
     */
    public static long retryAfterMs(Function<String, String> headers, Clock clock) {
        String ms = headers.apply("retry-after-ms");
        if (ms != null) {
            try {
                double v = Double.parseDouble(ms.trim());
                if (v >= 0 && Double.isFinite(v)) return (long) Math.ceil(v);
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        String ra = headers.apply("retry-after");
        if (ra == null || ra.isBlank()) return -1;
        String v = ra.trim();
        try {
            double seconds = Double.parseDouble(v);
            return seconds >= 0 && Double.isFinite(seconds) ? (long) Math.ceil(seconds * 1000) : -1;
        } catch (NumberFormatException notSeconds) {
            try {
                long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return Math.max(0, at - clock.millis());
            } catch (RuntimeException notADate) {
                return -1;
            }
        }
    }
}
