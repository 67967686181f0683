package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntervalStatsTest {
    private static final long MS = 1_000_000L;
    private static final long START = 1_000_000 * MS;

    @Test
    void answersCountInTheIntervalTheyCameBackInFromTheStart() {
        IntervalStats s = new IntervalStats(START, 500 * MS, 3);

        s.record(START - 100 * MS, START - 100 * MS, START + 10 * MS, 200, null);        // sent in the warm-up, answered in interval 0
        s.record(START + 400 * MS, START + 400 * MS, START + 499 * MS, 200, null);
        s.record(START + 400 * MS, START + 400 * MS, START + 500 * MS, 200, null);       // interval 1 begins at 500 ms
        s.record(START + 1_200 * MS, START + 1_200 * MS, START + 1_499 * MS, 503, "503 server_overloaded");
        s.record(START - 900 * MS, START - 900 * MS, START - 1, 200, null);              // before the start: not counted
        s.record(START + 1_400 * MS, START + 1_400 * MS, START + 1_500 * MS, 200, null);   // at the end: not counted

        assertThat(s.interval(0).answered()).isEqualTo(2);
        assertThat(s.interval(1).answered()).isEqualTo(1);
        assertThat(s.interval(2).answered()).isEqualTo(1);
        assertThat(s.interval(2).overloaded()).isEqualTo(1);
        assertThat(s.interval(2).ok()).isZero();
        assertThat(s.interval(0).answeredPerSecond()).isEqualTo(4);
    }

    @Test
    void latencyIsOfTheSuccessesFromTheirIntendedSendTime() {
        IntervalStats s = new IntervalStats(START, 1_000 * MS, 1);
        for (int i = 1; i <= 100; i++) s.record(START, START, START + i * MS, 200, null);    // 1 .. 100 ms
        s.record(START, START, START + 900 * MS, 503, "503 server_overloaded");               // a slow refusal: not a latency

        IntervalStats.Tally t = s.interval(0);

        assertThat(t.ok()).isEqualTo(100);
        assertThat(t.okP50Micros()).isBetween(49_900.0, 50_100.0);
        assertThat(t.okP99Micros()).isBetween(98_900.0, 99_100.0);
    }

    @Test
    void theLatencyFromTheActualSendLeavesOutTheGeneratorsOwnLateness() {
        IntervalStats s = new IntervalStats(START, 1_000 * MS, 1);
        for (int i = 0; i < 100; i++) s.record(START, START + 400 * MS, START + 410 * MS, 200, null); // sent 400 ms late

        IntervalStats.Tally t = s.interval(0);

        assertThat(t.okP99Micros()).isBetween(409_000.0, 411_000.0);
        assertThat(t.okServiceP99Micros()).isBetween(9_990.0, 10_010.0);
    }

    @Test
    void failuresOtherThan503AreKeptByCause() {
        IntervalStats s = new IntervalStats(START, 1_000 * MS, 1);
        s.record(START, START, START + MS, 0, "connection reset");
        s.record(START, START, START + MS, 0, "connection reset");
        s.record(START, START, START + MS, 429, "429 rate_limit_exceeded");

        IntervalStats.Tally t = s.interval(0);

        assertThat(t.otherFailures()).isEqualTo(Map.of("connection reset", 2L, "429 rate_limit_exceeded", 1L));
        assertThat(t.otherFailed()).isEqualTo(3);
        assertThat(t.overloaded()).isZero();
        assertThat(t.okP99Micros()).isNaN();
    }

    @Test
    void mergedIntervalsAddUpAndSpanTheirTime() {
        IntervalStats s = new IntervalStats(START, 500 * MS, 4);
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i <= k; i++) s.record(START + k * 500 * MS, START + k * 500 * MS, START + k * 500 * MS + (k + 1) * 10 * MS, 200, null);
            s.record(START + k * 500 * MS, START + k * 500 * MS, START + k * 500 * MS + MS, 503, "503 server_overloaded");
        }

        IntervalStats.Tally t = s.merged(1, 3);

        assertThat(t.seconds()).isEqualTo(1.0);
        assertThat(t.ok()).isEqualTo(2 + 3);
        assertThat(t.overloaded()).isEqualTo(2);
        assertThat(t.answeredPerSecond()).isEqualTo(7);
        assertThat(t.okP99Micros()).isBetween(29_900.0, 30_100.0);
        assertThatThrownBy(() -> s.merged(3, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.merged(2, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
