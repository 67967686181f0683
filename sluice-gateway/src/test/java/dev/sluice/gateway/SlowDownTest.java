package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.TrafficHarness.Store;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow Down per project on a clock the test moves: a steady project that jumps tenfold is told to slow down; one that
 * grows within the ramp never is. Counters in memory and in Redis.
 */
class SlowDownTest {
    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");

    private TestGateway gateway(Store store, String slowDown) {
        return TestGateway.builder(dir).config(store.yaml() + "overload:\n  enabled: false\nslow_down:\n" + slowDown).clock(clock).start();
    }

    private int send(TestGateway gw) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null), "x-sluice-sim", "tokens=1");
        if (r.statusCode() == 503) {
            JsonNode err = assertError(r, 503, "server_error", "slow_down", null, true);
            assertThat(err.get("message").asText()).isEqualTo("Slow Down: your request rate rose suddenly. Return to "
                    + "your earlier rate, hold it for 15 minutes, then increase gradually."
                    + UpstreamResilienceTest.idSuffix(r));
            assertThat(Integer.parseInt(header(r, "retry-after"))).isBetween(1, 10);
        } else {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        return r.statusCode();
    }

    /** Sends one request every {@code intervalMs} for {@code minutes}; returns how many were told to slow down. */
    private int steady(TestGateway gw, double perMinute, int minutes) {
        long interval = Math.round(60_000 / perMinute);
        int slowed = 0;
        for (long t = 0; t < minutes * 60_000L; t += interval) {
            if (send(gw) == 503) slowed++;
            clock.advance(Duration.ofMillis(interval));
        }
        return slowed;
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aSteadyProjectThatJumpsTenfoldIsToldToSlowDownUntilItsRateReturns(Store store) {
        try (TestGateway gw = gateway(store, "  floor_rpm: 15\n  factor: 4\n")) {
            assertThat(steady(gw, 12, 16)).isZero();

            // 120 a minute: the last minute may hold max(15, 4 x 12) = 48 requests
            int admitted = 0, slowed = 0, admittedBeforeFirst = -1;
            for (int i = 0; i < 120; i++) {
                if (send(gw) == 200) admitted++;
                else {
                    if (slowed++ == 0) admittedBeforeFirst = admitted;
                }
                clock.advance(Duration.ofMillis(500));
            }
            assertThat(slowed).isGreaterThan(50);
            assertThat(admittedBeforeFirst).isBetween(30, 48);
            assertThat(metric(gw, "sluice_slow_down_refused_total")).isEqualTo(slowed);

            // back at the earlier rate, once the burst has left the last minute, nothing is refused
            clock.advance(Duration.ofMinutes(1));
            assertThat(steady(gw, 12, 5)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void aProjectGrowingWithinTheRampIsNeverToldToSlowDown(Store store) {
        // factor 1: only the ramp allowance (+50 % per 15 minutes) lets growth through
        try (TestGateway gw = gateway(store, "  floor_rpm: 15\n  factor: 1\n  ramp: 0.5\n")) {
            assertThat(steady(gw, 12, 15)).isZero();
            int slowed = 0, sent = 0;
            long rampMs = 45 * 60_000L;
            for (long t = 0; t < rampMs; ) {
                double rate = 12 * Math.pow(1.5, t / (15 * 60_000.0));
                if (send(gw) == 503) slowed++;
                sent++;
                long interval = Math.round(60_000 / rate);
                clock.advance(Duration.ofMillis(interval));
                t += interval;
            }
            assertThat(slowed).isZero();
            assertThat(sent).isGreaterThan(900); // grew from 12 to 40 a minute
        }
    }
}
