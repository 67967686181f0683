package dev.sluice.client;

import dev.sluice.protocol.ApiError;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CancellationException;

import static org.assertj.core.api.Assertions.assertThat;

/** The retry policy as a pure function: no server, no clock, no sleeping. */
class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final RetryPolicy policy = RetryPolicy.defaults();

    private RetryDecision decide(int status, Map<String, String> headers, String type, String code) {
        return policy.decide(0, HttpOutcome.response(status, headers, type, code), NOW, null);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 409, 429, 500, 502, 503, 504, 529})
    void retryableStatusesAreRetriedWithoutHeaders(int status) {
        assertThat(decide(status, Map.of(), null, null).retry()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 405, 413, 422, 418})
    void clientErrorsAreNeverRetriedWithoutAnExplicitHeader(int status) {
        RetryDecision d = decide(status, Map.of(), "invalid_request_error", null);
        assertThat(d.retry()).isFalse();
        assertThat(d.reason()).contains("not retryable");
    }

    @Test
    void insufficientQuotaIsNeverRetriedEvenWhenAHeaderSaysTrue() {
        RetryDecision byType = decide(429, Map.of("x-should-retry", "true", "retry-after", "1"), "insufficient_quota", null);
        RetryDecision byCode = decide(429, Map.of(), "requests", "insufficient_quota");
        assertThat(byType.retry()).isFalse();
        assertThat(byType.reason()).contains("insufficient_quota");
        assertThat(byCode.retry()).isFalse();
    }

    @Test
    void shouldRetryFalseWinsOverARetryableStatus() {
        RetryDecision d = decide(503, Map.of("x-should-retry", "false", "retry-after", "1"), "server_error", "server_overloaded");
        assertThat(d.retry()).isFalse();
        assertThat(d.reason()).contains("x-should-retry: false");
    }

    @Test
    void shouldRetryTrueWinsOverANonRetryableStatus() {
        RetryDecision d = decide(400, Map.of("X-Should-Retry", "TRUE"), "invalid_request_error", null);
        assertThat(d.retry()).isTrue();
        assertThat(d.reason()).contains("x-should-retry: true");
    }

    @Test
    void retryAfterMsComesBeforeRetryAfter() {
        RetryDecision d = decide(429, Map.of("retry-after-ms", "1500.5", "retry-after", "2"), "requests", "rate_limit_exceeded");
        assertThat(d.delay()).isEqualTo(Duration.ofNanos(1_500_500_000));
    }

    @Test
    void retryAfterSecondsAndHttpDatesAreHonoured() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(7).atOffset(ZoneOffset.UTC));
        assertThat(decide(503, Map.of("retry-after", "3"), null, null).delay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(decide(503, Map.of("retry-after", date), null, null).delay()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aWaitLongerThanSixtySecondsIsNotRetried() {
        RetryDecision d = decide(429, Map.of("retry-after", "61"), "requests", "rate_limit_exceeded");
        assertThat(d.retry()).isFalse();
        assertThat(d.reason()).contains("61 s").contains("60 s");
        assertThat(decide(429, Map.of("retry-after-ms", "60000"), "requests", null).retry()).isTrue();
    }

    @ParameterizedTest(name = "retry-after-ms={0} retry-after={1}")
    @CsvSource(delimiter = '|', value = {
            "-1|",
            "garbage|",
            "|-1",
            "|soon",
            "|''",
            "0|",
            "NaN|Infinity",
            "|Mon, 01 Jan 2024 00:00:00 GMT",
    })
    void oddOrUselessHeadersFallBackToBackoff(String ms, String secs) {
        Map<String, String> h = new java.util.HashMap<>();
        if (ms != null) h.put("retry-after-ms", ms);
        if (secs != null) h.put("retry-after", secs);
        RetryDecision d = decide(503, h, null, null);
        assertThat(d.retry()).isTrue();
        assertThat(d.reason()).contains("backoff");
        assertThat(d.delay()).isBetween(Duration.ofMillis(375), Duration.ofMillis(500));
    }

    @Test
    void garbageRetryAfterMsFallsThroughToAValidRetryAfter() {
        assertThat(decide(503, Map.of("retry-after-ms", "-1", "retry-after", "4"), null, null).delay())
                .isEqualTo(Duration.ofSeconds(4));
    }

    @RepeatedTest(20)
    void backoffDoublesFromHalfASecondUpToEightWithJitter() {
        double[] maxMs = {500, 1000, 2000, 4000, 8000, 8000, 8000};
        for (int n = 0; n < maxMs.length; n++) {
            Duration d = policy.backoff(n);
            assertThat(d.toNanos() / 1e6).isBetween(maxMs[n] * 0.75, maxMs[n]);
        }
    }

    @Test
    void jitterIsInjectable() {
        RetryPolicy fixed = RetryPolicy.defaults().withRandom(() -> 1.0);
        assertThat(fixed.backoff(0)).isEqualTo(Duration.ofMillis(375));
        assertThat(fixed.backoff(1)).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void retriesStopAfterMaxRetries() {
        HttpOutcome o = HttpOutcome.response(500, Map.of(), "server_error", null);
        assertThat(policy.decide(1, o, NOW, null).retry()).isTrue();
        RetryDecision third = policy.decide(2, o, NOW, null);
        assertThat(third.retry()).isFalse();
        assertThat(third.reason()).contains("gave up after 2 retries");
        assertThat(policy.withMaxRetries(0).decide(0, o, NOW, null).retry()).isFalse();
    }

    @Test
    void theDeadlineStopsARetryThatWouldEndAfterIt() {
        HttpOutcome o = HttpOutcome.response(429, Map.of("retry-after", "5"), "requests", "rate_limit_exceeded");
        assertThat(policy.decide(0, o, NOW, NOW.plusSeconds(6)).retry()).isTrue();
        RetryDecision late = policy.decide(0, o, NOW, NOW.plusSeconds(4));
        assertThat(late.retry()).isFalse();
        assertThat(late.reason()).contains("deadline");
    }

    @Test
    void connectionFailuresAndTimeoutsAreRetried() {
        assertThat(policy.decide(0, new HttpOutcome.Failure(new ApiConnectionException("refused", new ConnectException())),
                NOW, null).retry()).isTrue();
        assertThat(policy.decide(0, new HttpOutcome.Failure(new ApiTimeoutException("slow", new HttpTimeoutException("t"))),
                NOW, null).reason()).startsWith("timeout");
    }

    @Test
    void aStreamThatFailedAfterItsFirstByteIsNeverRetried() {
        StreamException e = new StreamException(new ApiError("boom", "server_error", null, "internal_error"), "req_1",
                "partial", false, null);
        RetryDecision d = policy.decide(0, HttpOutcome.of(e), NOW, null);
        assertThat(d.retry()).isFalse();
        assertThat(d.reason()).contains("first byte");
    }

    @Test
    void cancellationStopsRetries() {
        assertThat(policy.decide(0, new HttpOutcome.Failure(new CancellationException()), NOW, null).retry()).isFalse();
        assertThat(policy.decide(0, new HttpOutcome.Failure(
                new ApiConnectionException("cancelled", new InterruptedException())), NOW, null).reason())
                .contains("cancelled");
    }

    @Test
    void aSuccessIsNotRetried() {
        assertThat(decide(200, Map.of("x-should-retry", "true"), null, null).retry()).isFalse();
    }
}
