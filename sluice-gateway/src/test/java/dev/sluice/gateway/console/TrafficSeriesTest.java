package dev.sluice.gateway.console;

import dev.sluice.testing.FakeTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrafficSeriesTest {
    final FakeTime clock = FakeTime.at("2026-11-28T10:00:00Z");
    final TrafficSeries series = new TrafficSeries(clock);

    @Test
    void eachMinuteCountsItsRequestsFailuresTokensAndAttempts() {
        series.finished(200, null, 40_000_000, -1, 10, 5, 1, false);
        series.finished(200, null, 60_000_000, -1, 7, 3, 2, false);
        series.finished(429, "rate_limit_exceeded", 1_000_000, -1, 0, 0, 0, false);
        clock.advance(Duration.ofMinutes(1));
        series.finished(429, "insufficient_quota", 1_000_000, -1, 0, 0, 0, false);

        long now = series.currentMinute();
        List<TrafficSeries.Point> points = series.points(now - 1, now);
        TrafficSeries.Point first = points.get(0), second = points.get(1);
        assertThat(first.requests()).isEqualTo(3);
        assertThat(first.failures()[ErrorClass.RATE_LIMIT_429.ordinal()]).isEqualTo(1);
        assertThat(first.tokensIn()).isEqualTo(17);
        assertThat(first.tokensOut()).isEqualTo(8);
        assertThat(first.attempts()).isEqualTo(3);
        assertThat(first.retried()).isEqualTo(1);
        assertThat(second.requests()).isEqualTo(1);
        assertThat(second.failures()[ErrorClass.QUOTA_429.ordinal()]).isEqualTo(1);
        assertThat(series.total(now - 1, now).failed()).isEqualTo(2);
    }

    @Test
    void aSlotIsClearedWhenItsMinuteComesRoundAgainADayLater() {
        series.finished(500, "internal_error", 1_000_000, -1, 0, 0, 0, false);
        clock.advance(Duration.ofDays(1));
        long now = series.currentMinute();
        assertThat(series.points(now, now).getFirst().requests()).isZero();
        series.finished(200, null, 1_000_000, -1, 0, 0, 1, false);
        TrafficSeries.Point p = series.points(now, now).getFirst();
        assertThat(p.requests()).isEqualTo(1);
        assertThat(p.failed()).isZero();
        assertThat(series.points(now - 5000, now)).as("never more than a day of points").hasSize(TrafficSeries.MINUTES);
    }

    @Test
    void percentilesComeFromTheHistogramWithinAFifthOfTheValue() {
        for (int i = 1; i <= 100; i++) series.finished(200, null, i * 10_000_000L, i * 1_000_000L, 0, 0, 1, false);
        long now = series.currentMinute();
        TrafficSeries.Point p = series.total(now, now);
        assertThat(p.latencyP50Ms()).isBetween(500.0, 600.0);
        assertThat(p.latencyP99Ms()).isBetween(990.0, 1190.0);
        assertThat(p.ttftP50Ms()).isBetween(50.0, 60.0);
        assertThat(p.ttftP99Ms()).isBetween(99.0, 119.0);
    }

    @ParameterizedTest(name = "{0} {1} stream-failed={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            "200, null, false, null",
            "200, upstream_timeout, true, STREAM",
            "400, invalid_value, false, CLIENT_400",
            "409, conflict, false, CLIENT_400",
            "413, request_too_large, false, CLIENT_400",
            "401, invalid_api_key, false, AUTH_401_403",
            "403, model_not_allowed, false, AUTH_401_403",
            "404, model_not_found, false, NOT_FOUND_404",
            "429, rate_limit_exceeded, false, RATE_LIMIT_429",
            "429, insufficient_quota, false, QUOTA_429",
            "500, internal_error, false, GATEWAY_5XX",
            "503, server_overloaded, false, GATEWAY_5XX",
            "503, slow_down, false, GATEWAY_5XX",
            "503, upstream_unavailable, false, UPSTREAM_5XX",
            "502, bad_gateway, false, UPSTREAM_5XX",
            "504, upstream_timeout, false, UPSTREAM_5XX",
            "499, null, false, CANCELLED"})
    void eachAnswerFallsInTheContractClassOfItsErrorsMdRow(int status, String code, boolean streamFailed,
                                                           ErrorClass expected) {
        assertThat(ErrorClass.of(status, code, streamFailed)).isEqualTo(expected);
    }
}
