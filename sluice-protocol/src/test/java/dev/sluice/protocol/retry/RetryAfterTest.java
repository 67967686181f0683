package dev.sluice.protocol.retry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The one retry-after parser (gateway upstream retries, client SDK, batch runner). */
class RetryAfterTest {
    static final Instant NOW = Instant.parse("2026-11-05T10:00:00Z");

    static long millis(String... kv) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) h.put(kv[i], kv[i + 1]);
        return RetryAfter.millis(h::get, NOW);
    }

    @Test
    void retryAfterMsWinsOverRetryAfterSeconds() {
        assertThat(millis("retry-after-ms", "1250.4", "retry-after", "9")).isEqualTo(1251);
        assertThat(millis("retry-after", "2")).isEqualTo(2000);
        assertThat(millis("retry-after", "0.5")).isEqualTo(500);
    }

    @Test
    void fractionsAreKeptExactlyInTheDuration() {
        assertThat(RetryAfter.parse(Map.of("retry-after-ms", "1500.5")::get, NOW))
                .contains(Duration.ofNanos(1_500_500_000));
    }

    @Test
    void retryAfterMayBeAnHttpDateReadAgainstNow() {
        assertThat(millis("retry-after", "Thu, 05 Nov 2026 10:00:07 GMT")).isEqualTo(7000);
        assertThat(millis("retry-after", "Thu, 05 Nov 2026 09:00:00 GMT")).as("in the past").isZero();
    }

    @Test
    void missingOrUnreadableRetryAfterIsMinusOne() {
        assertThat(millis()).isEqualTo(-1);
        assertThat(millis("retry-after", "soon")).isEqualTo(-1);
        assertThat(millis("retry-after-ms", "-5", "retry-after", "x")).isEqualTo(-1);
    }

    @Test
    void anOddRetryAfterMsFallsThroughToAValidRetryAfter() {
        assertThat(millis("retry-after-ms", "-1", "retry-after", "4")).isEqualTo(4000);
        assertThat(millis("retry-after-ms", "garbage", "retry-after", "Thu, 05 Nov 2026 10:00:03 GMT")).isEqualTo(3000);
    }

    @ParameterizedTest(name = "retry-after-ms={0} retry-after={1}")
    @CsvSource(delimiter = '|', value = {"-1|", "garbage|", "|-1", "|soon", "|''", "NaN|Infinity", "|1e10", "2e9|"})
    void oddValuesReadAsAbsent(String ms, String secs) {
        Map<String, String> h = new HashMap<>();
        if (ms != null) h.put("retry-after-ms", ms);
        if (secs != null) h.put("retry-after", secs);
        assertThat(RetryAfter.parse(h::get, NOW)).isEqualTo(Optional.empty());
    }
}
