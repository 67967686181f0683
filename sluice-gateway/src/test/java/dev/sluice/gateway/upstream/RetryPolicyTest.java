package dev.sluice.gateway.upstream;

import dev.sluice.testing.FakeTime;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(4, 200, 1000, 10_000);

    /** A random source that always returns {@code v} from nextDouble. */
    static RandomGenerator fixed(double v) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public double nextDouble() {
                return v;
            }
        };
    }

    @Test
    void backoffDoublesPerRetryUpToTheCap() {
        RandomGenerator top = fixed(1.0);
        assertThat(policy.backoffMs(0, top)).isEqualTo(200);
        assertThat(policy.backoffMs(1, top)).isEqualTo(400);
        assertThat(policy.backoffMs(2, top)).isEqualTo(800);
        assertThat(policy.backoffMs(3, top)).isEqualTo(1000);
        assertThat(policy.backoffMs(40, top)).isEqualTo(1000);
    }

    @Test
    void jitterTakesOffAtMostAQuarter() {
        assertThat(policy.backoffMs(0, fixed(0.0))).isEqualTo(150);
        assertThat(policy.backoffMs(1, fixed(0.5))).isEqualTo(350);
        assertThat(policy.backoffMs(3, fixed(0.0))).isEqualTo(750);
    }

    @Test
    void retryAfterMsWinsOverRetryAfterSeconds() {
        FakeTime clock = FakeTime.startingNow();
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after-ms", "1250.4", "retry-after", "9")::get, clock))
                .isEqualTo(1251);
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after", "2")::get, clock)).isEqualTo(2000);
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after", "0.5")::get, clock)).isEqualTo(500);
    }

    @Test
    void retryAfterMayBeAnHttpDateReadAgainstTheClock() {
        FakeTime clock = new FakeTime(Instant.parse("2026-11-05T10:00:00Z"));
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after", "Thu, 05 Nov 2026 10:00:07 GMT")::get, clock))
                .isEqualTo(7000);
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after", "Thu, 05 Nov 2026 09:00:00 GMT")::get, clock))
                .isZero();
    }

    @Test
    void missingOrUnreadableRetryAfterIsMinusOne() {
        FakeTime clock = FakeTime.startingNow();
        assertThat(RetryPolicy.retryAfterMs(Map.<String, String>of()::get, clock)).isEqualTo(-1);
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after", "soon")::get, clock)).isEqualTo(-1);
        assertThat(RetryPolicy.retryAfterMs(Map.of("retry-after-ms", "-5", "retry-after", "x")::get, clock))
                .isEqualTo(-1);
    }
}
