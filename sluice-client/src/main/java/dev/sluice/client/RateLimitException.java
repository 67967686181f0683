package dev.sluice.client;

import dev.sluice.client.internal.RetryAfter;
import dev.sluice.protocol.ApiError;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * 429: either a rate limit (type {@code requests}/{@code tokens}, retried after the server's retry-after) or an
 * exhausted quota (type/code {@code insufficient_quota}: credits or budget spent, never retried).
 */
public final class RateLimitException extends ApiStatusException {
    RateLimitException(int status, ApiError error, HttpHeaders headers, String rawBody) {
        super(status, error, headers, rawBody);
    }

    /** True for {@code insufficient_quota}: waiting does not help; add credits or raise the budget. */
    public boolean isQuotaExhausted() {
        return RetryAfter.isQuota(type(), code());
    }

    /** The server's wait hint from {@code retry-after-ms}, else {@code retry-after} (seconds or HTTP date). */
    public Optional<Duration> retryAfter() {
        return RetryAfter.parse(headers(), Instant.now());
    }
}
