package dev.sluice.protocol.retry;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {
    final Backoff backoff = new Backoff(200, 1000);

    @Test
    void theStepDoublesPerRetryUpToTheCap() {
        assertThat(backoff.millis(0, 1.0)).isEqualTo(200);
        assertThat(backoff.millis(1, 1.0)).isEqualTo(400);
        assertThat(backoff.millis(2, 1.0)).isEqualTo(800);
        assertThat(backoff.millis(3, 1.0)).isEqualTo(1000);
        assertThat(backoff.millis(Integer.MAX_VALUE, 1.0)).isEqualTo(1000);
    }

    @Test
    void jitterTakesOffAtMostAQuarter() {
        assertThat(backoff.millis(0, 0.0)).isEqualTo(150);
        assertThat(backoff.millis(1, 0.5)).isEqualTo(350);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) assertThat(backoff.millis(2, random.nextDouble())).isBetween(600.0, 800.0);
    }
}
