package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.http.SpinningEpoll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.burst;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public port served by several event loops ({@code server.event_loops}): requests of one burst land on more
 * than one loop, and the limits, admission control and Idempotency-Key de-duplication shared by the loops stay
 * exact.
 */
class EventLoopsTest {
    static final String FOUR_LOOPS = "server:\n  event_loops: 4\n";

    @TempDir
    Path dir;

    private final FakeTime clock = FakeTime.at("2026-03-10T12:00:00Z");

    @Test
    void aBurstIsServedByMoreThanOneEventLoop() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (TestGateway gw = TestGateway.builder(dir).config(FOUR_LOOPS + TrafficHarness.ONLY_LIMITS).clock(clock).fault(ex -> threads.add(Thread.currentThread().getName())).start()) {
            assertThat(gw.gateway.publicEventLoops()).isEqualTo(4);
            List<HttpResponse<String>> answers = burst(gw, 40, chat("sim-mini", null), "x-sluice-sim", "delay_ms=200");
            assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("vert.x-eventloop-thread-"));
            assertThat(threads).hasSizeGreaterThan(1);
        }
    }

    /**
     * The public port writes on each connection's own event loop without Vert.x's cross-thread write queue (strict
     * thread mode); the burst above, on four loops, is answered in that mode like every other test of the suite.
     */
    @Test
    void thePublicPortWritesItsAnswersStraightFromTheConnectionsEventLoop() {
        SluiceConfig cfg = ConfigLoader.load(ConfigLoader.Flags.none(), Map.of());
        assertThat(GatewayAssembly.publicServerOptions(cfg).getStrictThreadMode()).isTrue();
    }

    /**
     * Linux x86_64 (the release's platform) runs on Netty's epoll transport, which the release ships: fewer copies and
     * no NIO selector per event loop. Elsewhere Vert.x falls back to NIO and says why; requests are served either way.
     */
    @Test
    void theEventLoopsRunOnTheNativeTransportWhereTheReleaseShipsOne() {
        boolean linuxX64 = linuxX64();
        try (TestGateway gw = TestGateway.builder(dir).config(TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            assertThat(gw.gateway.vertx().isNativeTransportEnabled())
                    .as("native transport (unavailable because: %s)", gw.gateway.vertx().unavailableNativeTransportCause())
                    .isEqualTo(linuxX64);
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        }
    }

    /**
     * {@code server.event_loop_spin_us} (50 by default): on Linux x86_64 the loops run on the epoll transport that
     * looks for ready sockets that long before it sleeps; 0 gives Vert.x's epoll transport as it is. Requests are
     * served either way.
     */
    @Test
    void theEventLoopsSpinBeforeTheySleepAsConfigured() {
        boolean linuxX64 = linuxX64();
        try (TestGateway gw = TestGateway.builder(dir).config(TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            assertThat(SpinningEpoll.installedIn(gw.gateway.vertx())).isEqualTo(linuxX64);
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        }
        try (TestGateway gw = TestGateway.builder(dir.resolve("off")).config("server:\n  event_loop_spin_us: 0\n"
                + TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            assertThat(SpinningEpoll.installedIn(gw.gateway.vertx())).isFalse();
            assertThat(gw.gateway.vertx().isNativeTransportEnabled()).isEqualTo(linuxX64);
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aRateLimitAdmitsExactlyItsCountOfABurstSpreadOverFourLoops() {
        String limits = "limits:\n  defaults:\n    sim-mini:\n      project: {rpm: 25}\n";
        try (TestGateway gw = TestGateway.builder(dir).config(FOUR_LOOPS + limits + TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            List<HttpResponse<String>> answers = burst(gw, 80, chat("sim-mini", null), "x-sluice-sim", "delay_ms=50");

            assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSize(25);
            answers.stream().filter(r -> r.statusCode() != 200)
                    .forEach(r -> assertError(r, 429, "requests", "rate_limit_exceeded", null, true));
        }
    }

    @Test
    void admissionControlHoldsItsLimitAcrossLoops() {
        String overload = "overload:\n  enabled: true\n  algorithm: fixed\n  initial_limit: 3\n  min_limit: 1\n"
                + "  max_limit: 3\n  queue_size: 0\n  queue_timeout_ms: 50\n  retry_after_seconds: 1\n"
                + "slow_down:\n  enabled: false\n";
        try (TestGateway gw = TestGateway.builder(dir).config(FOUR_LOOPS + overload).clock(clock).start()) {
            List<HttpResponse<String>> answers = burst(gw, 12, chat("sim-mini", null), "x-sluice-sim", "delay_ms=1500");

            assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSize(3);
            answers.stream().filter(r -> r.statusCode() != 200)
                    .forEach(r -> assertError(r, 503, "server_error", "server_overloaded", null, true));
        }
    }

    @Test
    void oneIdempotencyKeySentOnManyConnectionsReachesTheUpstreamOnce() {
        try (TestGateway gw = TestGateway.builder(dir).config(FOUR_LOOPS + TrafficHarness.ONLY_LIMITS).clock(clock).start()) {
            long before = gw.gateway.simulator().orElseThrow().requestsReceived();
            List<HttpResponse<String>> answers = burst(gw, 16, chat("sim-mini", null), "x-sluice-sim", "delay_ms=300",
                    "idempotency-key", "same-key-on-every-loop");

            assertThat(gw.gateway.simulator().orElseThrow().requestsReceived() - before).isEqualTo(1);
            assertThat(answers.stream().filter(r -> r.statusCode() == 200)).hasSizeGreaterThanOrEqualTo(1);
            answers.stream().filter(r -> r.statusCode() != 200)
                    .forEach(r -> assertError(r, 409, "invalid_request_error", "idempotency_key_in_use", null, true));
        }
    }

    /** The release's platform, where the epoll transport it ships loads. */
    private static boolean linuxX64() {
        return System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    }
}
