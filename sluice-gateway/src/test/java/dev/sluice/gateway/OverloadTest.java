package dev.sluice.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission control: an adaptive concurrency limit and a short queue shed load with 503 at once, never by timeouts.
 * The upstream ({@link HeldUpstream}) holds every answer until the test releases it, so "at once" is checked as an
 * order of events (refused while the admitted requests are still held upstream), not against a wall clock.
 */
class OverloadTest {
    @TempDir
    Path dir;

    /** The held upstream's first byte comes when the test releases it: no first-byte timeout may cut it before. */
    static final String HELD_TIMEOUTS = "upstream_timeouts: {first_byte_ms: 600000}\n";

    /** Until {@code condition} holds (a bound for a hang, not a speed). */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HeldUpstream.BOUND_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("never: " + what);
            Thread.sleep(5);
        }
    }

    static long done(List<CompletableFuture<HttpResponse<String>>> all) {
        return all.stream().filter(CompletableFuture::isDone).count();
    }

    @Test
    void aSaturatedGatewayShedsWith503AtOnceInsteadOfPilingUpTimeouts() throws Exception {
        String yaml = "overload:\n  algorithm: gradient2\n  initial_limit: 2\n  min_limit: 1\n  max_limit: 2\n"
                + "  queue_size: 2\n  queue_timeout_ms: 200\n  retry_after_seconds: 2\n" + HELD_TIMEOUTS;
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, yaml)) {
            List<CompletableFuture<HttpResponse<String>>> all = up.send(gw, 8, false);
            // two take the slots and reach the upstream, which holds them; two queue and four find the queue full:
            // those six are answered while the two are still held (four refused at once, two at the queue deadline)
            up.awaitArrivals(2);
            await("six answered while two are held upstream", () -> done(all) >= 6);
            assertThat(done(all)).as("answered while the upstream holds its answers").isEqualTo(6);
            List<CompletableFuture<HttpResponse<String>>> held = all.stream().filter(f -> !f.isDone()).toList();
            List<HttpResponse<String>> shed = all.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                    .toList();
            for (HttpResponse<String> r : shed) {
                assertError(r, 503, "server_error", "server_overloaded", null, true);
                assertThat(r.body()).contains("The engine is currently overloaded, please try again later");
                assertThat(header(r, "retry-after")).isEqualTo("2");
            }
            assertThat(metric(gw, "sluice_admission_shed_total")).isEqualTo(6);
            assertThat(up.server.requests()).as("the shed requests never went upstream").hasSize(2);

            // the two admitted ones are served once the upstream answers
            up.release();
            List<HttpResponse<String>> served = held.stream().map(OverloadTest::get).toList();
            assertThat(served).hasSize(2).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
            for (HttpResponse<String> r : served) TrafficHarness.awaitUsage(gw, r);
            assertThat(metric(gw, "sluice_admission_shed_total")).isEqualTo(6);
            assertThat(metric(gw, "sluice_admission_limit")).isEqualTo(2);

            // the slots came back: nothing is stuck
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
            assertThat(up.send(HeldUpstream.request(gw, false)).get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS)
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aQueuedRequestRunsAsSoonAsASlotFrees() throws Exception {
        // the queue deadline is far: a queued request that is not handed the freed slot is refused at it (503)
        String yaml = "overload:\n  algorithm: fixed\n  initial_limit: 1\n  min_limit: 1\n  max_limit: 1\n"
                + "  queue_size: 1\n  queue_timeout_ms: 60000\n" + HELD_TIMEOUTS;
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, yaml)) {
            CompletableFuture<HttpResponse<String>> first = up.send(HeldUpstream.request(gw, false));
            up.awaitArrivals(1);
            CompletableFuture<HttpResponse<String>> second = up.send(HeldUpstream.request(gw, false));
            await("the second request queued", () -> metric(gw, "sluice_admission_queued") == 1);
            assertThat(second).as("queued while the slot is held").isNotDone();
            assertThat(up.server.requests()).as("only the first went upstream").hasSize(1);

            up.release(); // the first ends and frees the slot: the second gets it
            HttpResponse<String> s = second.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
            assertThat(first.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(up.server.requests()).hasSize(2);
            assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
        }
    }

    @Test
    void aCallerThatLeavesWhileQueuedDoesNotKeepItsSlot() throws Exception {
        String yaml = "overload:\n  algorithm: fixed\n  initial_limit: 1\n  min_limit: 1\n  max_limit: 1\n"
                + "  queue_size: 1\n  queue_timeout_ms: 60000\n" + HELD_TIMEOUTS;
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, yaml)) {
            CompletableFuture<HttpResponse<String>> first = up.send(HeldUpstream.request(gw, false));
            up.awaitArrivals(1);
            // an impatient caller queues behind it, then gives up (its client closes the connection)
            java.net.http.HttpClient own = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            CompletableFuture<HttpResponse<String>> impatient =
                    own.sendAsync(HeldUpstream.request(gw, false), HttpResponse.BodyHandlers.ofString());
            await("the impatient request queued", () -> metric(gw, "sluice_admission_queued") == 1);
            impatient.cancel(true);
            await("the impatient caller left the queue", () -> metric(gw, "sluice_admission_queued") == 0);

            up.release();
            HttpResponse<String> f = first.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(f.statusCode()).isEqualTo(200);
            TrafficHarness.awaitUsage(gw, f);
            // the one slot is free again, nobody waits for it: the next request is admitted at once, not queued
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
            assertThat(metric(gw, "sluice_admission_queued")).isZero();
            HttpResponse<String> next = up.send(HeldUpstream.request(gw, false))
                    .get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            TrafficHarness.awaitUsage(gw, next);
            assertThat(up.server.requests()).as("the caller that left never went upstream").hasSize(2);
            assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
        }
    }

    private static HttpResponse<String> get(CompletableFuture<HttpResponse<String>> f) {
        try {
            return f.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
