package dev.sluice.gateway;

import dev.sluice.testing.FakeTime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two deployments, the first of them dead (nothing listens on its port): every request still succeeds by failing
 * over; the dead deployment's circuit opens after the threshold, is probed once the (fake) clock passes the
 * cool-down, re-opens while it stays dead and closes once a simulator listens there again.
 */
class FailoverAndCircuitBreakerTest {
    static final int THRESHOLD = 3;
    static final Duration OPEN = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer live;
    static int deadPort;
    static FakeTime clock = FakeTime.startingNow();
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        live = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        String yaml = """
                simulator:
                  enabled: false
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 500
                circuit_breaker:
                  failure_threshold: %d
                  open_ms: %d
                models:
                %s%s%s""".formatted(THRESHOLD, OPEN.toMillis(),
                UpstreamResilienceTest.model("m-dead", "{name: dead, provider: sim, model: sim-mini, base_url: "
                        + "\"http://127.0.0.1:" + deadPort + "/v1\"}"),
                UpstreamResilienceTest.model("m-failover", "{name: dead, provider: sim, model: sim-mini, base_url: "
                        + "\"http://127.0.0.1:" + deadPort + "/v1\"}, {name: live, provider: sim, model: sim-mini, "
                        + "base_url: \"" + live.baseUrl() + "\"}"),
                UpstreamResilienceTest.model("m-live", "{name: live, provider: sim, model: sim-mini, base_url: \""
                        + live.baseUrl() + "\"}"));
        gw = TestGateway.builder(dir).config(yaml).clock(clock).start();
        // the first request loads the tokenizer; keep that out of the timed tests
        assertThat(ask("m-live").statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        await(live.close());
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static HttpResponse<String> ask(String model) {
        return gw.post("/v1/chat/completions", UpstreamResilienceTest.fresh(model, null));
    }

    static String attempts(HttpResponse<?> r) {
        return r.headers().firstValue("x-sluice-attempts").orElse("absent");
    }

    static long count(CapturedLogs logs, String text) {
        return logs.lines().stream().filter(l -> l.contains("\"logger_name\":\"sluice.upstream\"")
                && l.contains(text) && l.contains("m-failover/dead")).count();
    }

    @Test
    void aDeadDeploymentIsFailedOverTheBreakerOpensHalfOpensAndClosesWhenItIsBack() throws Exception {
        try (CapturedLogs logs = new CapturedLogs()) {
            // closed: each request tries dead (connection refused), then fails over to live at once
            for (int i = 0; i < THRESHOLD; i++) {
                HttpResponse<String> r = ask("m-failover");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(attempts(r)).isEqualTo("2");
            }
            assertThat(count(logs, "circuit opened")).isEqualTo(1);

            // open: dead is skipped, one attempt is enough
            long before = live.requestsReceived();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = ask("m-failover");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(attempts(r)).isEqualTo("1");
            }
            assertThat(live.requestsReceived() - before).isEqualTo(3);

            // half-open after the cool-down: one probe to dead, which fails and re-opens the circuit
            clock.advance(OPEN.minusSeconds(1));
            assertThat(attempts(ask("m-failover"))).as("still open a second before the cool-down ends").isEqualTo("1");
            clock.advance(Duration.ofSeconds(1));
            HttpResponse<String> probe = ask("m-failover");
            assertThat(probe.statusCode()).isEqualTo(200);
            assertThat(attempts(probe)).as("the probe went to dead, then live answered").isEqualTo("2");
            assertThat(count(logs, "circuit re-opened")).isEqualTo(1);
            assertThat(attempts(ask("m-failover"))).isEqualTo("1");

            // the deployment comes back; the next probe closes the circuit and traffic returns to it
            SimulatorServer revived = await(SimulatorServer.start(vertx,
                    SimulatorOptions.defaults().withTokensPerSecond(0).withPort(deadPort)));
            try {
                clock.advance(OPEN);
                HttpResponse<String> back = ask("m-failover");
                assertThat(back.statusCode()).isEqualTo(200);
                assertThat(attempts(back)).isEqualTo("1");
                assertThat(revived.requestsReceived()).isEqualTo(1);
                assertThat(count(logs, "circuit closed")).isEqualTo(1);
                for (int i = 0; i < 3; i++) assertThat(attempts(ask("m-failover"))).isEqualTo("1");
                assertThat(revived.requestsReceived()).as("dead is primary again").isEqualTo(4);
            } finally {
                await(revived.close());
            }
        }
    }

    @Test
    void whenEveryCircuitIsOpenTheAnswerIs503WithoutAnyAttempt() {
        HttpResponse<String> first = ask("m-dead");
        assertError(first, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(attempts(first)).as("three refused connections open the circuit").isEqualTo("3");
        HttpResponse<String> r = ask("m-dead");
        JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("m-dead").doesNotContain(String.valueOf(deadPort));
        assertThat(attempts(r)).isEqualTo("0");
    }

    @Test
    void aRetryAfterLongerThanTheCapIsNotWaitedFor() {
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.post("/v1/chat/completions", UpstreamResilienceTest.fresh("m-live", null),
                "x-sluice-sim", "status=429");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        JsonNode e = assertError(r, 503, "server_error", "upstream_unavailable", null, true);
        assertThat(e.get("message").asText()).contains("m-live");
        assertThat(attempts(r)).as("retry-after 1s > max_retry_after_ms 500: no second try").isEqualTo("1");
        assertThat(ms).isLessThan(1000);
    }

    @Test
    void faultsACallerAskedTheSimulatorForNeverOpenTheCircuit() {
        for (int i = 0; i < THRESHOLD + 2; i++) {
            assertError(gw.post("/v1/chat/completions", UpstreamResilienceTest.fresh("m-live", null), "x-sluice-sim",
                    "status=500"), 502, "server_error", "bad_gateway", null, true);
        }
        HttpResponse<String> r = gw.post("/v1/chat/completions", UpstreamResilienceTest.fresh("m-live", null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(attempts(r)).isEqualTo("1");
    }
}
