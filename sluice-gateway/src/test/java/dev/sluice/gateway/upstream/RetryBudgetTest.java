package dev.sluice.gateway.upstream;

import dev.sluice.testing.FakeTime;
import dev.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The retry budget and the caller deadline as pure decisions on a hand-moved clock. */
class RetryBudgetTest {
    final FakeTime clock = FakeTime.at("2026-05-01T00:00:00Z");

    RetryBudget budget(double ratio, double minPerSecond) {
        return new RetryBudget(new SluiceConfig.RetryBudget(true, ratio, minPerSecond, 10_000), clock);
    }

    static int retriesGranted(RetryBudget b, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) if (b.tryRetry()) granted++;
        return granted;
    }

    @Test
    void retriesStayWithinTheRatioOfRequestsPlusTheMinimum() {
        RetryBudget b = budget(0.2, 0.1); // 0.1 per second over 10 s = 1 retry always
        for (int i = 0; i < 100; i++) b.onRequest();
        assertThat(retriesGranted(b, 1000)).isEqualTo(21);
    }

    @Test
    void aQuietDeploymentStillRetriesARareFailure() {
        RetryBudget b = budget(0.2, 0.1);
        b.onRequest();
        assertThat(b.tryRetry()).isTrue();
        assertThat(b.tryRetry()).isFalse();
    }

    @Test
    void requestsAndRetriesLeaveTheWindowAsTimePasses() {
        RetryBudget b = budget(0.5, 0);
        for (int i = 0; i < 10; i++) b.onRequest();
        assertThat(retriesGranted(b, 100)).isEqualTo(5);
        clock.advance(Duration.ofSeconds(5));
        assertThat(b.tryRetry()).as("the same window").isFalse();
        for (int i = 0; i < 2; i++) b.onRequest();
        assertThat(b.tryRetry()).as("6 of 12 requests").isTrue();
        clock.advance(Duration.ofMillis(5_500)); // the first 10 requests and 5 retries have left the window
        assertThat(retriesGranted(b, 100)).as("one of the 2 later requests' share, less the retry they used")
                .isZero();
        b.onRequest();
        b.onRequest();
        assertThat(retriesGranted(b, 100)).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(b.tryRetry()).as("nothing left in an empty window").isFalse();
    }

    @Test
    void aDisabledBudgetGrantsEveryRetry() {
        RetryBudget b = new RetryBudget(new SluiceConfig.RetryBudget(false, 0, 0, 10_000), clock);
        assertThat(retriesGranted(b, 50)).isEqualTo(50);
    }

    @ParameterizedTest(name = "{0}={1} -> {2} ms")
    @CsvSource({
            "x-sluice-timeout-ms, 5000, 4000",      // less the 1 s margin
            "x-stainless-timeout, 600, 599000",     // the OpenAI SDKs' default
            "x-stainless-timeout, 60.5, 59500",
            "x-stainless-timeout, 1, 500",          // the margin is at most half the timeout
            "x-stainless-timeout, 100000, 600000",  // never beyond total_ms
            "x-stainless-timeout, abc, 600000",     // unreadable values are ignored
            "x-stainless-timeout, -3, 600000",
            "x-stainless-timeout, NaN, 600000",
            "x-sluice-timeout-ms, 0, 600000",
    })
    void aCallerDeclaredTimeoutShortensTheUpstreamBudget(String header, String value, long expectedMs) {
        Map<String, String> h = new HashMap<>();
        h.put(header, value);
        assertThat(CallerDeadline.of(new SluiceConfig.CallerDeadlines(true, 1000)).totalMs(600_000, h::get))
                .isEqualTo(expectedMs);
    }

    @Test
    void theSluiceHeaderWinsOverTheSdkHeaderAndADisabledDeadlineIgnoresBoth() {
        Map<String, String> h = Map.of("x-sluice-timeout-ms", "3000", "x-stainless-timeout", "600");
        assertThat(CallerDeadline.of(new SluiceConfig.CallerDeadlines(true, 1000)).totalMs(600_000, h::get))
                .isEqualTo(2000);
        assertThat(CallerDeadline.of(new SluiceConfig.CallerDeadlines(false, 1000)).totalMs(600_000, h::get))
                .isEqualTo(600_000);
    }

    @ParameterizedTest(name = "upstream {0}, circuit {1} -> {2}")
    @CsvSource({"-1, -1, 1000", "5000, -1, 5000", "-1, 18000, 18000", "200, 300, 1000", "900000, -1, 60000"})
    void theRetryHintIsTheLongestKnownWaitWithinFloorAndCap(long upstreamMs, long circuitMs, long expected) {
        assertThat(new RetryHint(1000, 60_000).millis(upstreamMs, circuitMs)).isEqualTo(expected);
    }
}
