package dev.sluice.gateway.upstream;

import dev.sluice.testing.FakeTime;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.sluice.gateway.upstream.CircuitBreaker.State.CLOSED;
import static dev.sluice.gateway.upstream.CircuitBreaker.State.HALF_OPEN;
import static dev.sluice.gateway.upstream.CircuitBreaker.State.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {
    private final FakeTime clock = FakeTime.startingNow();
    private final CircuitBreaker breaker = new CircuitBreaker("m/d", 3, Duration.ofSeconds(30), clock);

    private void fail(int n) {
        for (int i = 0; i < n; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.onFailure();
        }
    }

    @Test
    void opensAfterTheThresholdOfConsecutiveFailures() {
        fail(2);
        assertThat(breaker.state()).isEqualTo(CLOSED);
        fail(1);
        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.wouldAllow()).isFalse();
        assertThat(breaker.tryAcquire()).isFalse();
    }

    @Test
    void aRefusedProviderAccountOpensAtOnceAndAFailedProbeReopens() {
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.trip();
        assertThat(breaker.state()).isEqualTo(OPEN);
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.trip();
        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        fail(2);
        breaker.tryAcquire();
        breaker.onSuccess();
        fail(2);
        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    @Test
    void afterTheCoolDownExactlyOneProbeGoes() {
        fail(3);
        clock.advance(Duration.ofSeconds(29));
        assertThat(breaker.tryAcquire()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.wouldAllow()).isTrue();
        assertThat(breaker.tryAcquire()).as("the probe").isTrue();
        assertThat(breaker.wouldAllow()).isFalse();
        assertThat(breaker.tryAcquire()).as("a second request while the probe runs").isFalse();
    }

    @Test
    void aSuccessfulProbeClosesTheCircuit() {
        fail(3);
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void aFailedProbeOpensForAnotherCoolDown() {
        fail(3);
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(OPEN);
        clock.advance(Duration.ofSeconds(29));
        assertThat(breaker.tryAcquire()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void aNeutralProbeLetsTheNextRequestProbe() {
        fail(3);
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.onNeutral();
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.tryAcquire()).isTrue();
    }
}
