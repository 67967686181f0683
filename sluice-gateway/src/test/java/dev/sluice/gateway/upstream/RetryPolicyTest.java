package dev.sluice.gateway.upstream;

import org.junit.jupiter.api.Test;

import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's backoff on the shared {@code Backoff}; retry-after parsing is tested in sluice-protocol (RetryAfterTest). */
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
}
