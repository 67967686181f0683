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

import static dev.sluice.gateway.TestGateway.assertError;
import static dev.sluice.gateway.TestGateway.chat;
import static dev.sluice.gateway.TrafficHarness.header;
import static dev.sluice.gateway.TrafficHarness.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams and admission control: a stream holds an admission slot only until its first byte, so long streams do not
 * cap how many may be open (nor starve short requests); open streams have their own budget, overload.max_streams,
 * beyond which a stream gets 503 server_overloaded with retry-after at once.
 */
class StreamAdmissionTest {
    @TempDir
    Path dir;

    /** A long, slow stream (the simulator paces it): 200 tokens at 2 tokens/s, far longer than any test here. */
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
        return HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions"))).timeout(Duration.ofSeconds(60))
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
    void streamsBeyondTheOldCapOf200SucceedWithTheDefaults() throws Exception {
        // product defaults: gradient2 starting at 200 with a queue of 100 for 500 ms; before, stream 201 was refused
        try (TestGateway gw = TestGateway.builder(dir).config("slow_down: {enabled: false}\n").start()) {
            List<Open> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 230; i++) streams.add(openStream(gw));
                assertThat(metric(gw, "sluice_admission_open_streams")).isEqualTo(230);
                assertThat(metric(gw, "sluice_admission_shed_total")).isZero();
            } finally {
                closeAll(streams);
            }
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
}
