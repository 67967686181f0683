package dev.sluice.gateway.overload;

import dev.sluice.gateway.config.choice.AdmissionAlgorithm;
import com.netflix.concurrency.limits.Limiter;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.Ending;
import dev.sluice.gateway.usage.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configured adaptive algorithm really drives admission control: with round trips timed by a fake clock, the
 * limit grows while the upstream answers fast at full concurrency and falls when its latency steps up. A fixed limit
 * (the algorithm ignored) fails this.
 */
class AdmissionAlgorithmTest {
    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private long now;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gradient2", "vegas"})
    void theLimitRisesWithFastAnswersAndFallsWhenLatencyStepsUp(String algorithm) {
        SluiceConfig.Overload cfg = new SluiceConfig.Overload(true, AdmissionAlgorithm.of(algorithm), 20, 5, 1000, 0, 100, 1, 20_000);
        AdmissionControl admission = new AdmissionControl(vertx, cfg, new SimpleMeterRegistry(), () -> now);
        int initial = admission.currentLimit();
        assertThat(initial).isEqualTo(20);

        rounds(admission, 300, 2); // 2 ms round trips, every slot used
        int afterFast = admission.currentLimit();
        assertThat(afterFast).as("limit after fast answers").isGreaterThan(initial);

        int lowest = rounds(admission, 20, 200); // the upstream slows to 200 ms
        assertThat(lowest).as("lowest limit after the latency step (was %d)", afterFast).isLessThan(afterFast);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gradient2", "vegas"})
    void theLimitNeverFallsBelowMinLimit(String algorithm) {
        SluiceConfig.Overload cfg = new SluiceConfig.Overload(true, AdmissionAlgorithm.of(algorithm), 60, 50, 1000, 0, 100, 1, 20_000);
        AdmissionControl admission = new AdmissionControl(vertx, cfg, new SimpleMeterRegistry(), () -> now);

        rounds(admission, 100, 2, completed());
        // the upstream slows down and then times out: every answer a 504, which the algorithms read as a drop
        int lowest = Math.min(rounds(admission, 40, 400, completed()), rounds(admission, 100, 2_000, timedOut()));

        assertThat(lowest).as("lowest %s limit while the upstream slowed down and then timed out", algorithm)
                .isGreaterThanOrEqualTo(50);
        assertThat(admission.currentLimit()).isGreaterThanOrEqualTo(50);
    }

    /** Each round fills every free slot, lets {@code rttMs} pass, and completes them all; the lowest limit seen. */
    private int rounds(AdmissionControl admission, int rounds, long rttMs) {
        return rounds(admission, rounds, rttMs, completed());
    }

    private int rounds(AdmissionControl admission, int rounds, long rttMs, Ending ending) {
        int lowest = Integer.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            List<Limiter.Listener> held = new ArrayList<>();
            for (Optional<Limiter.Listener> l = admission.acquireForTest(); l.isPresent(); l = admission.acquireForTest()) {
                held.add(l.get());
            }
            now += TimeUnit.MILLISECONDS.toNanos(rttMs);
            // the algorithms read the in-flight count at each completion: complete while the slots are still full
            java.util.Collections.reverse(held);
            for (Limiter.Listener l : held) {
                AdmissionControl.releaseForTest(l, ending);
                lowest = Math.min(lowest, admission.currentLimit());
            }
        }
        return lowest;
    }

    private static Ending timedOut() {
        return new Ending(504, Outcome.FAILED, "upstream_timeout");
    }

    private static Ending completed() {
        return new Ending(200, Outcome.COMPLETED, null);
    }
}
