package dev.sluice.client.internal;

import dev.sluice.protocol.Headers;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Reads the server's wait hint: {@code retry-after-ms} (milliseconds, may be fractional) first, then
 * {@code retry-after} (seconds, or an HTTP date relative to now). Odd values ({@code -1}, garbage, empty) are
 * skipped as if absent; a date in the past reads as zero.
 */
public final class RetryAfter {
    private RetryAfter() {}

    public static Optional<Duration> parse(HttpHeaders headers, Instant now) {
        if (headers == null) return Optional.empty();
        Optional<Duration> ms = headers.firstValue(Headers.RETRY_AFTER_MS).flatMap(v -> number(v, 1_000_000));
        if (ms.isPresent()) return ms;
        return headers.firstValue(Headers.RETRY_AFTER).flatMap(v -> {
            Optional<Duration> secs = number(v, 1_000_000_000);
            return secs.isPresent() ? secs : httpDate(v, now);
        });
    }

    /** True when the 429 is an exhausted quota rather than a rate limit. */
    public static boolean isQuota(String type, String code) {
        return "insufficient_quota".equals(type) || "insufficient_quota".equals(code);
    }

    private static Optional<Duration> number(String v, long nanosPerUnit) {
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isNaN(d) || Double.isInfinite(d) || d < 0 || d > 1e9) return Optional.empty();
            return Optional.of(Duration.ofNanos(Math.round(d * nanosPerUnit)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> httpDate(String v, Instant now) {
        try {
            Instant at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
