package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {
    @Test
    void requestsAreDueAtFixedIntervalsFromTheStart() {
        Schedule s = new Schedule(1_000, 1_000);

        assertThat(s.intendedNanos(0)).isEqualTo(1_000);
        assertThat(s.intendedNanos(1)).isEqualTo(1_001_000);
        assertThat(s.intendedNanos(1_000)).isEqualTo(1_000_001_000L);
    }

    @Test
    void aRateThatDoesNotDivideASecondStillSendsExactlyRateRequestsPerSecond() {
        Schedule s = new Schedule(0, 3);

        assertThat(s.intendedNanos(1)).isEqualTo(333_333_333);
        assertThat(s.intendedNanos(2)).isEqualTo(666_666_666);
        assertThat(s.intendedNanos(3)).isEqualTo(1_000_000_000);
        assertThat(s.countWithin(10)).isEqualTo(30);
    }

    @Test
    void dueByCountsTheRequestsWhoseIntendedTimeHasCome() {
        Schedule s = new Schedule(5_000, 1_000);

        assertThat(s.dueBy(4_999)).isZero();
        assertThat(s.dueBy(5_000)).isEqualTo(1);
        assertThat(s.dueBy(1_004_999)).isEqualTo(1);
        assertThat(s.dueBy(1_005_000)).isEqualTo(2);
        assertThat(s.dueBy(5_000 + 2_500_000)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1, 3, 7.5, 999, 13_896, 43_217.3})
    void dueByAgreesWithIntendedTimesAtEveryBoundary(double rate) {
        Schedule s = new Schedule(123_456_789, rate);
        for (long i = 0; i < 5_000; i += 37) {
            long t = s.intendedNanos(i);
            assertThat(s.dueBy(t)).as("at request %d's time", i).isEqualTo(i + 1);
            assertThat(s.dueBy(t - 1)).as("just before request %d", i).isLessThanOrEqualTo(i);
        }
    }

    @Test
    void aTenSecondRunAtEightyPercentOfAMeasuredMaximumSendsRateTimesSeconds() {
        double rate = Math.floor(13_896 * 0.8);

        assertThat(new Schedule(0, rate).countWithin(10)).isEqualTo((long) (rate * 10));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -1, Double.NaN, Double.POSITIVE_INFINITY})
    void aRateMustBePositive(double rate) {
        assertThatThrownBy(() -> new Schedule(0, rate)).isInstanceOf(IllegalArgumentException.class);
    }
}
