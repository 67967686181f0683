package dev.sluice.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.chatRequest;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.metric;
import static org.assertj.core.api.Assertions.assertThat;

/** Admission control: an adaptive concurrency limit and a short queue shed load with 503 at once, never by timeouts. */
class OverloadTest {
    @TempDir
    Path dir;

    /** A response and when it arrived, in ms after the burst began. */
    record Timed(HttpResponse<String> response, long atMs) {}

    private static List<Timed> burst(TestGateway gw, int n, String sim) {
        long start = System.nanoTime();
        List<CompletableFuture<Timed>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(gw.http.sendAsync(chatRequest(gw, chat("sim-mini", null), "x-sluice-sim", sim),
                    HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Timed(r, (System.nanoTime() - start) / 1_000_000)));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void aSaturatedGatewayShedsWith503AtOnceInsteadOfPilingUpTimeouts() {
        String yaml = "overload:\n  algorithm: gradient2\n  initial_limit: 2\n  min_limit: 1\n  max_limit: 2\n"
                + "  queue_size: 2\n  queue_timeout_ms: 200\n  retry_after_seconds: 2\n"
                + "slow_down:\n  enabled: false\nupstream_timeouts:\n  first_byte_ms: 30000\n";
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            List<Timed> answers = burst(gw, 8, "delay_ms=2500");

            List<Timed> shed = answers.stream().filter(t -> t.response().statusCode() == 503).toList();
            List<Timed> served = answers.stream().filter(t -> t.response().statusCode() == 200).toList();
            assertThat(served).hasSize(2);
            assertThat(shed).hasSize(6);
            for (Timed t : shed) {
                assertError(t.response(), 503, "server_error", "server_overloaded", null, true);
                assertThat(t.response().body()).contains("The engine is currently overloaded, please try again later");
                assertThat(header(t.response(), "retry-after")).isEqualTo("2");
                // four refused at once (queue full), two after the 200 ms queue deadline: far from the 2.5 s upstream
                assertThat(t.atMs()).isLessThan(1500);
            }
            assertThat(served).allSatisfy(t -> assertThat(t.atMs()).isGreaterThanOrEqualTo(2500));
            assertThat(metric(gw, "sluice_admission_shed_total")).isEqualTo(6);
            assertThat(metric(gw, "sluice_admission_limit")).isEqualTo(2);

            // the slots came back: nothing is stuck
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aQueuedRequestRunsAsSoonAsASlotFrees() {
        String yaml = "overload:\n  algorithm: fixed\n  initial_limit: 1\n  min_limit: 1\n  max_limit: 1\n"
                + "  queue_size: 1\n  queue_timeout_ms: 10000\nslow_down:\n  enabled: false\n";
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> first = gw.http.sendAsync(chatRequest(gw, chat("sim-mini", null),
                    "x-sluice-sim", "delay_ms=500"), HttpResponse.BodyHandlers.ofString());
            RateLimitsTest.awaitInFlight(gw, 1);
            HttpResponse<String> second = gw.post("/v1/chat/completions", chat("sim-mini", null));
            long secondMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
            assertThat(first.join().statusCode()).isEqualTo(200);
            assertThat(secondMs).isGreaterThanOrEqualTo(500).isLessThan(5000);
            assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
        }
    }

    @Test
    void aCallerThatLeavesWhileQueuedDoesNotKeepItsSlot() throws Exception {
        String yaml = "overload:\n  algorithm: fixed\n  initial_limit: 1\n  min_limit: 1\n  max_limit: 1\n"
                + "  queue_size: 1\n  queue_timeout_ms: 5000\nslow_down:\n  enabled: false\n";
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            CompletableFuture<HttpResponse<String>> first = gw.http.sendAsync(chatRequest(gw, chat("sim-mini", null),
                    "x-sluice-sim", "delay_ms=800"), HttpResponse.BodyHandlers.ofString());
            RateLimitsTest.awaitInFlight(gw, 1);
            java.net.http.HttpRequest impatient = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            gw.url("/v1/chat/completions"))).timeout(java.time.Duration.ofMillis(200))
                    .header("content-type", "application/json").header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat("sim-mini", null))).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.http.send(impatient, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.net.http.HttpTimeoutException.class);
            assertThat(first.join().statusCode()).isEqualTo(200);
            // the one slot is free again: the next request is served, not queued until its deadline
            long start = System.nanoTime();
            assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
        }
    }
}
