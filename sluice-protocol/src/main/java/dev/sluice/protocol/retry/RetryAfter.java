package dev.sluice.protocol.retry;

import dev.sluice.protocol.Headers;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Function;

/**
 * A server's requested wait: {@code retry-after-ms} (milliseconds, may be fractional) first, then
 * {@code retry-after} (seconds, may be fractional, or an HTTP date read against {@code now}). Odd values (negative,
 * not finite, above 10^9 units, garbage, empty) are skipped as if absent, so an odd {@code retry-after-ms} falls
 * through to a valid {@code retry-after}; a date in the past reads as zero.
 */
public final class RetryAfter {
    private static final double MAX_UNITS = 1e9;

    private RetryAfter() {}

    /**
     * @param header a header's value by its (lower-case) name, or null when absent
     * @param now    the time an HTTP date is measured from
     */
    public static Optional<Duration> parse(Function<String, String> header, Instant now) {
        Optional<Duration> ms = number(header.apply(Headers.RETRY_AFTER_MS), 1_000_000);
        if (ms.isPresent()) return ms;
        String v = header.apply(Headers.RETRY_AFTER);
        if (v == null) return Optional.empty();
        Optional<Duration> seconds = number(v, 1_000_000_000);
        return seconds.isPresent() ? seconds : httpDate(v, now);
    }

    /** {@link #parse} in whole milliseconds, rounded up; -1 when there is no usable hint. */
    public static long millis(Function<String, String> header, Instant now) {
        return parse(header, now).map(d -> (d.toNanos() + 999_999) / 1_000_000).orElse(-1L);
    }

    private static Optional<Duration> number(String v, long nanosPerUnit) {
        if (v == null) return Optional.empty();
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d) || d < 0 || d > MAX_UNITS) return Optional.empty();
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
