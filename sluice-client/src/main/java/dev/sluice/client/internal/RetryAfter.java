package dev.sluice.client.internal;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The client's view of the server's wait hint: the project's one parser
 * ({@link dev.sluice.protocol.retry.RetryAfter}: {@code retry-after-ms}, then {@code retry-after} seconds or HTTP
 * date; odd values read as absent) over the JDK's headers, and whether a 429 is an exhausted quota.
 */
public final class RetryAfter {
    private RetryAfter() {}

    public static Optional<Duration> parse(HttpHeaders headers, Instant now) {
        if (headers == null) return Optional.empty();
        return dev.sluice.protocol.retry.RetryAfter.parse(name -> headers.firstValue(name).orElse(null), now);
    }

    /** True when the 429 is an exhausted quota rather than a rate limit. */
    public static boolean isQuota(String type, String code) {
        return "insufficient_quota".equals(type) || "insufficient_quota".equals(code);
    }
}
