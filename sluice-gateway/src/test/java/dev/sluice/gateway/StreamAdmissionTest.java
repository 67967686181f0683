package dev.sluice.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams and admission control: a stream takes no adaptive admission slot at all, neither while it waits for its
 * first byte (a reasoning model may think for tens of seconds) nor after it; the adaptive limit is for unary requests
 * and learns from their latency only. Open streams, from admission to their end, have their own budget,
 * overload.max_streams, beyond which a stream gets 503 server_overloaded with retry-after at once.
 */
class StreamAdmissionTest {
    @TempDir
    Path dir;

    /** A long, slow stream (the simulator paces it): 200 tokens at 2 tokens/s, far longer than any test here. */
    /** The held upstream's first byte comes when the test releases it: no first-byte timeout may cut it before. */
    private static final String HELD_TIMEOUTS = "upstream_timeouts: {first_byte_ms: 600000}\n";

    private static final String LONG_STREAM = chat("sim-mini", "\"stream\":true,\"max_tokens\":256,"
            + "\"metadata\":{\"sluice_sim\":\"tokens=200;tps=2\"}");

    /** An open stream whose first event has arrived; closing it hangs up. */
    private record Open(HttpResponse<InputStream> response, BufferedReader events) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            response.body().close();
        }
    }

    private static HttpRequest streamRequest(TestGateway gw) {
        return HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(HeldUpstream.BOUND_SECONDS))
                .header("content-type", "application/json").header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(LONG_STREAM)).build();
    }

    /** Opens a stream and reads up to its first event: the gateway has sent its first byte. */
    private static Open openStream(TestGateway gw) throws Exception {
        HttpResponse<InputStream> r = gw.http.send(streamRequest(gw), HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        Open open = new Open(r, events);
        assertThat(r.statusCode()).as("stream status").isEqualTo(200);
        String first = events.readLine();
        assertThat(first).as("first event").startsWith("data: {");
        return open;
    }

    private static void closeAll(List<Open> streams) throws Exception {
        for (Open o : streams) o.close();
    }

    @Test
    void streamsPastTheirFirstByteHoldNoAdmissionSlot() throws Exception {
        // two slots, no queue: before, the third concurrent stream got 503 server_overloaded
        String yaml = "overload: {algorithm: fixed, initial_limit: 2, min_limit: 1, max_limit: 2, queue_size: 0}\n"
                + "slow_down: {enabled: false}\n";
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            List<Open> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) streams.add(openStream(gw));
                assertThat(metric(gw, "sluice_admission_open_streams")).isEqualTo(6);
                assertThat(metric(gw, "sluice_admission_in_flight")).as("slots held").isZero();
                // and a plain request still finds a slot
                assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
                assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
            } finally {
                closeAll(streams);
            }
        }
    }

    @Test
    void streamsWaitingForTheirFirstByteAreAllAdmittedOnTheDefaults() throws Exception {
        // product defaults: gradient2 starting at 200 with a queue of 100 for 500 ms. Before, a stream held an adaptive
        // slot until its first byte: with first bytes held back, streams 201-300 queued and 301-400 got 503 at once.
        int n = 400;
        // (the test upstream speaks HTTP/1.1, one connection per request, and accepts them slowly on a busy machine:
        // connecting and the wait for a connection, which are not admission control, get room; and the first byte is
        // held until the test releases it, however long the 400 take to arrive, never cut by first_byte_ms)
        String upstream = "upstream_pool: {wait_ms: 60000}\n" + HELD_TIMEOUTS.replace("{", "{connect_ms: 30000, ")
                + "circuit_breaker: {failure_threshold: 100000}\n";
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, upstream)) {
            List<CompletableFuture<HttpResponse<String>>> streams = up.send(gw, n, true);
            up.awaitArrivals(n, streams);
            assertThat(metric(gw, "sluice_admission_open_streams")).isEqualTo(n);
            assertThat(metric(gw, "sluice_admission_in_flight")).as("adaptive slots held by streams").isZero();
            up.release();
            assertAllStreamed(gw, streams);
            assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
            assertThat(metric(gw, "sluice_admission_open_streams")).isZero();
        }
    }

    @Test
    void streamsWaitingForTheirFirstByteTakeNoAdaptiveSlotWhileUnaryRequestsStillDo() throws Exception {
        // an adaptive limit of 2 and no queue: two unary requests fill it; streams do not need it
        String overload = "overload: {algorithm: gradient2, initial_limit: 2, min_limit: 1, max_limit: 2, queue_size: 0,"
                + " retry_after_seconds: 2}\n" + HELD_TIMEOUTS;
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, overload)) {
            List<CompletableFuture<HttpResponse<String>>> streams = up.send(gw, 8, true);
            up.awaitArrivals(8, streams);
            List<CompletableFuture<HttpResponse<String>>> unary = up.send(gw, 2, false);
            up.awaitArrivals(10, unary);
            assertThat(metric(gw, "sluice_admission_in_flight")).as("slots held by unary requests").isEqualTo(2);
            assertThat(metric(gw, "sluice_admission_open_streams")).isEqualTo(8);

            // the adaptive limit still protects unary traffic: the third is refused at once, before the upstream
            HttpResponse<String> third = gw.post("/v1/chat/completions", chat("held", null));
            assertError(third, 503, "server_error", "server_overloaded", null, true);
            assertThat(header(third, "retry-after")).isEqualTo("2");
            assertThat(metrics(gw)).contains("sluice_admission_shed_total{reason=\"queue_full\"} 1.0");
            assertThat(up.server.requests()).hasSize(10);

            up.release();
            assertAllStreamed(gw, streams);
            for (CompletableFuture<HttpResponse<String>> u : unary) {
                HttpResponse<String> r = u.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                TrafficHarness.awaitUsage(gw, r);
            }
            assertThat(metric(gw, "sluice_admission_in_flight")).isZero();
        }
    }

    @Test
    void theStreamBudgetCountsStreamsWaitingForTheirFirstByte() throws Exception {
        // one adaptive slot and no queue, but a budget of three streams: before, the second stream got 503 queue_full
        String overload = "overload: {algorithm: fixed, initial_limit: 1, min_limit: 1, max_limit: 1, queue_size: 0,"
                + " max_streams: 3, retry_after_seconds: 3}\n" + HELD_TIMEOUTS;
        try (HeldUpstream up = new HeldUpstream(); TestGateway gw = up.gateway(dir, overload)) {
            List<CompletableFuture<HttpResponse<String>>> streams = up.send(gw, 3, true);
            up.awaitArrivals(3, streams);

            HttpResponse<String> fourth = gw.send(TrafficHarness.chatRequest(gw, chat("held", "\"stream\":true")));
            assertError(fourth, 503, "server_error", "server_overloaded", null, true);
            assertThat(header(fourth, "retry-after")).isEqualTo("3");
            assertThat(metrics(gw)).contains("sluice_admission_shed_total{reason=\"max_streams\"} 1.0");
            assertThat(metric(gw, "sluice_admission_shed_total")).isEqualTo(1);
            assertThat(up.server.requests()).as("the refused stream never went upstream").hasSize(3);

            up.release();
            assertAllStreamed(gw, streams);
            // the budget comes back as streams end
            assertThat(metric(gw, "sluice_admission_open_streams")).isZero();
            assertThat(gw.send(TrafficHarness.chatRequest(gw, chat("held", "\"stream\":true"))).body())
                    .endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void aStreamOverMaxStreamsGets503ServerOverloadedWithRetryAfter() throws Exception {
        String yaml = "overload: {max_streams: 2, retry_after_seconds: 3}\nslow_down: {enabled: false}\n";
        try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
            List<Open> streams = new ArrayList<>();
            try {
                streams.add(openStream(gw));
                streams.add(openStream(gw));
                HttpResponse<String> third = gw.send(streamRequest(gw));
                assertError(third, 503, "server_error", "server_overloaded", null, true);
                assertThat(header(third, "retry-after")).isEqualTo("3");
                assertThat(metric(gw, "sluice_admission_shed_total")).isEqualTo(1);
                assertThat(gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort()
                        + "/metrics")).GET().build()).body())
                        .contains("sluice_admission_shed_total{reason=\"max_streams\"} 1.0");
                // the budget is for streams: a plain request is admitted as before
                assertThat(gw.post("/v1/chat/completions", chat("sim-mini", null)).statusCode()).isEqualTo(200);
            } finally {
                closeAll(streams);
            }
        }
    }
    private static String metrics(TestGateway gw) {
        return gw.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics"))
                .GET().build()).body();
    }

    /** Every stream ended with its events and [DONE], and has left the gateway (its usage record is written last). */
    private static void assertAllStreamed(TestGateway gw, List<CompletableFuture<HttpResponse<String>>> streams)
            throws Exception {
        for (CompletableFuture<HttpResponse<String>> s : streams) {
            HttpResponse<String> r = s.get(HeldUpstream.BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"content\":\"Hi\"").endsWith("data: [DONE]\n\n");
            TrafficHarness.awaitUsage(gw, r);
        }
    }
}
