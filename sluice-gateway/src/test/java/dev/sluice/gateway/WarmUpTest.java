package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.lifecycle.WarmUp;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Warm before serving (server.warmup): readiness waits for the warm-up, liveness does not; the warm-up really runs
 * requests through the request path, and no tenant's limits, usage ledger, metrics or access log see any of them,
 * nor does the deployed upstream.
 */
class WarmUpTest {
    @TempDir
    Path dir;

    private static Map<String, String> warmUp(int requests) {
        return Map.of("SLUICE_SERVER_WARMUP_ENABLED", "true", "SLUICE_SERVER_WARMUP_MAX_REQUESTS",
                Integer.toString(requests), "SLUICE_SERVER_WARMUP_CONCURRENCY", "4",
                // the count ends these warm-ups, never the clock
                "SLUICE_SERVER_WARMUP_MAX_MS", "600000");
    }

    @Test
    void readinessSaysWarmingUpUntilTheWarmUpHasRunWhileLivenessIsLiveThroughout() throws Exception {
        Promise<Void> gate = Promise.promise();
        try (TestGateway gw = TestGateway.builder(dir).env(warmUp(40))
                .options(o -> o.withWarmUpGate(gate.future())).start()) {
            HttpResponse<String> before = admin(gw, "/health/ready");
            assertThat(before.statusCode()).isEqualTo(503);
            assertThat(before.headers().firstValue("content-type")).contains("application/json");
            JsonNode why = TestGateway.JSON.readTree(before.body());
            assertThat(why.get("status").asText()).isEqualTo("warming_up");
            assertThat(why.get("reason").asText()).contains("server.warmup");
            assertThat(why.at("/warmup/state").asText()).isEqualTo("waiting");
            assertThat(why.at("/warmup/answered").asInt()).isZero();
            assertThat(why.at("/warmup/max_requests").asInt()).isEqualTo(40);
            assertThat(admin(gw, "/health/live").statusCode()).isEqualTo(200);
            assertThat(gw.gateway.warmUp().ready()).isFalse();

            gate.complete();
            gw.gateway.warmUp().done().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

            HttpResponse<String> after = admin(gw, "/health/ready");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(TestGateway.JSON.readTree(after.body()).get("status").asText()).isEqualTo("ready");
            assertThat(admin(gw, "/health/live").statusCode()).isEqualTo(200);
            // the warm-up served every request, plain and streamed, through the pipeline: not a no-op
            assertThat(gw.gateway.warmUp().answeredRequests()).isEqualTo(40);
            assertThat(gw.gateway.warmUp().failedRequests()).isZero();
        }
    }

    @Test
    void theWarmUpCountsTowardNoTenantsLimitsLedgerMetricsOrAccessLogAndCallsNoDeployment() throws Exception {
        String limits = """
                limits:
                  defaults:
                    sim-mini:
                      organization: {rpm: 5}
                      project: {rpm: 5}
                """;
        java.util.Set<Path> privateStoresBefore = privateStores();
        try (CapturedLogs logs = new CapturedLogs();
             TestGateway gw = TestGateway.builder(dir).config(limits).env(warmUp(60)).start()) {
            gw.gateway.warmUp().done().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertThat(gw.gateway.warmUp().answeredRequests()).isEqualTo(60);
            assertThat(gw.gateway.warmUp().failedRequests()).isZero();
            assertThat(privateStores()).as("the warm-up's own database is gone once it is ready")
                    .isEqualTo(privateStoresBefore);

            assertThat(gw.gateway.simulator().orElseThrow().requestsReceived())
                    .as("the deployed upstream (here the embedded simulator) saw no warm-up request").isZero();
            assertThat(gw.usage.records()).as("usage records (the ledger's input)").isEmpty();
            assertThat(logs.accessLines()).as("access lines").isEmpty();
            String metrics = admin(gw, "/metrics").body();
            assertThat(metrics).doesNotContain("sluice_requests_total").doesNotContain("warmup")
                    .doesNotContain("gen_ai_server_request_duration");

            // the tenant's first request after the warm-up finds its whole limit, and is the first of everything
            HttpResponse<String> first = gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null));
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).contains("5");
            assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).contains("4");
            assertThat(gw.gateway.simulator().orElseThrow().requestsReceived()).isEqualTo(1);
            TrafficHarness.awaitUsage(gw, first); // the record follows the answer
            assertThat(gw.usage.records()).hasSize(1);
            assertThat(logs.accessLines()).hasSize(1);
            assertThat(admin(gw, "/metrics").body()).contains("sluice_requests_total");
        }
    }

    @Test
    void newConnectionsAreAnsweredFromTheMomentReadinessTurnsReadyWhileTheWarmUpPathCloses() throws Exception {
        // bound by the clock: readiness turns ready while warm-up requests are in flight, and the private path
        // (its server, upstream clients and simulator) closes just after; that close must not hold a Vert.x thread
        // (it once blocked the acceptor for up to 10 s: no new connection to any port was accepted meanwhile)
        Map<String, String> env = Map.of("SLUICE_SERVER_WARMUP_ENABLED", "true",
                "SLUICE_SERVER_WARMUP_MAX_REQUESTS", "100000000", "SLUICE_SERVER_WARMUP_CONCURRENCY", "4",
                "SLUICE_SERVER_WARMUP_MAX_MS", "1500");
        try (TestGateway gw = TestGateway.builder(dir).env(env).start()) {
            gw.gateway.warmUp().done().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int asked = 0;
            while (System.nanoTime() < until) {
                try (java.net.http.HttpClient fresh = java.net.http.HttpClient.newHttpClient()) {
                    HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/models")))
                                    .header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                                    .timeout(java.time.Duration.ofSeconds(3)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as("new connection %d after ready: %s", asked, r.body()).isEqualTo(200);
                }
                asked++;
                Thread.sleep(100);
            }
            assertThat(asked).isGreaterThan(3);
        }
    }

    @Test
    void theWarmUpGoesOnWhileTheCompilersAreBusyAndEndsOnceTheySettle() throws Exception {
        try (TestGateway gw = TestGateway.builder(dir).start()) { // the gateway's own warm-up is off
            java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong spent = new java.util.concurrent.atomic.AtomicLong();
            // busy: each reading (one a second) finds a whole second more of compilation; settled: none more
            java.util.function.LongSupplier jitMillis = () -> settled.get() ? spent.get() : spent.addAndGet(1000);
            dev.sluice.gateway.config.SluiceConfig.Warmup cfg =
                    new dev.sluice.gateway.config.SluiceConfig.Warmup(true, 20, 100_000_000, 0.1, 600_000, 4);
            io.vertx.core.Vertx vertx = gw.gateway.vertx();
            WarmUp w = WarmUp.start(vertx, cfg, new WarmUpPath(vertx, gw.gateway.config(),
                    gw.gateway.reloader().catalog(), java.time.Clock.systemUTC()), null, System::nanoTime, jitMillis);

            long busyUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * WarmUp.SETTLE_WINDOW_MS + 500);
            while (System.nanoTime() < busyUntil) Thread.sleep(50);
            assertThat(w.answeredRequests()).as("well past min_requests").isGreaterThan(20);
            assertThat(w.ready()).as("busy compilers keep the warm-up going past min_requests").isFalse();
            assertThat(w.endedBy()).isNull();

            settled.set(true);
            w.done().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(w.endedBy()).contains("the JIT compilers settled");
            assertThat(w.answeredRequests()).isLessThan(100_000_000);
            assertThat(w.failedRequests()).isZero();
        }
    }

    @Test
    void aGatewayStoppedWhileItWarmsUpLogsNoErrorAndLeavesNoPrivateStore() throws Exception {
        java.util.Set<Path> privateStoresBefore = privateStores();
        Map<String, String> env = Map.of("SLUICE_SERVER_WARMUP_ENABLED", "true",
                "SLUICE_SERVER_WARMUP_MAX_REQUESTS", "100000000", "SLUICE_SERVER_WARMUP_MIN_REQUESTS", "100000000",
                "SLUICE_SERVER_WARMUP_CONCURRENCY", "8", "SLUICE_SERVER_WARMUP_MAX_MS", "600000");
        try (CapturedLogs logs = new CapturedLogs()) {
            TestGateway gw = TestGateway.builder(dir).env(env).start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gw.gateway.warmUp().answeredRequests() < 200 && System.nanoTime() < until) Thread.sleep(20);
            assertThat(gw.gateway.warmUp().answeredRequests()).isGreaterThanOrEqualTo(200);
            assertThat(gw.gateway.warmUp().ready()).isFalse();
            gw.close(); // a stop (SIGTERM, a rollout) while requests of the warm-up are in flight
            assertThat(logs.lines()).as("error lines").noneMatch(l -> l.contains("\"level\":\"ERROR\""));
        }
        assertThat(privateStores()).as("the warm-up's own database").isEqualTo(privateStoresBefore);
    }

    /** The warm-up's private databases' directories in the temporary directory. */
    private static java.util.Set<Path> privateStores() throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.filter(p -> p.getFileName().toString().startsWith("sluice-warmup-"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    private static HttpResponse<String> admin(TestGateway gw, String path) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path)).GET()
                .build());
    }
}
