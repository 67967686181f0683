package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.SseEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.sluice.sim.SimHarness.chatBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Faults and pacing of streamed answers, on both streaming routes. */
class StreamFaultsTest {
    private static final String SIM = "x-sluice-sim";
    private static final String STREAM = "\"stream\":true";
    private static SimHarness sim;

    @BeforeAll
    static void start() {
        sim = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0));
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static String responsesStream(String input) {
        return "{\"model\":\"sim-mini\",\"input\":" + SimHarness.quote(input) + ",\"stream\":true}";
    }

    private static List<JsonNode> deltas(SimHarness.Streamed s) {
        return s.json().stream().filter(n -> n.path("type").asText().equals("response.output_text.delta")).toList();
    }

    @Test
    void tokensDirectiveGivesExactlyThatManyContentChunks() {
        SimHarness.Streamed s = sim.stream("/chat/completions",
                chatBody("exact stream", STREAM, "\"stream_options\":{\"include_usage\":true}"), SIM, "tokens=17");
        assertThat(s.chatContent()).hasSize(17);
        assertThat(s.json().getLast().at("/usage/completion_tokens").asInt()).isEqualTo(17);
        assertThat(s.endedWithDone()).isTrue();
    }

    @Test
    void ttftDelaysTheFirstChunk() {
        long start = System.nanoTime();
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("first token late", STREAM), SIM,
                "ttft_ms=250;tokens=3");
        assertThat(s.head().statusCode()).isEqualTo(200);
        // lower bounds from the moment the request left: the server cannot send the first event sooner, and a slow
        // machine only makes it later
        assertThat(s.events().getFirst().atMillis()).isGreaterThanOrEqualTo(250);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(250);
        assertThat(s.endedWithDone()).isTrue();
    }

    @Test
    void ttftDoesNotDelayTheHeaders() throws Exception {
        // the first event is ten minutes away, so headers that arrive at all were sent before the ttft wait
        HttpRequest req = sim.request("/chat/completions", SIM, "ttft_ms=600000;tokens=3")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody("headers first", STREAM))).build();
        HttpResponse<InputStream> r = sim.client.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
                .get(SimHarness.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        try (InputStream ignored = r.body()) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        }
        sim.server.whenIdle().toCompletionStage().toCompletableFuture().get(SimHarness.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void tpsPacesTheTokens() {
        // The simulator's pacing reads a ticker this test moves by hand: token i is due i/tps after the first, so at
        // 100 tokens/s each 10 ms step of that time lets exactly one more token out, however slow this machine is.
        AtomicLong now = new AtomicLong();
        try (SimHarness paced = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(0), now::get)) {
            SimHarness.Live live = paced.streamLive(now::get, "/chat/completions", chatBody("paced", STREAM), SIM,
                    "tokens=20;tps=100");
            for (int i = 1; i <= 20; i++) {
                int received = i;
                live.awaitEvents(events -> contentOf(events).size() >= received);
                now.set(TimeUnit.MILLISECONDS.toNanos(10L * i)); // token i (0-based) is due now
            }
            List<SimHarness.Timed> events = live.awaitEnd();
            List<SimHarness.Timed> tokens = contentOf(events);
            assertThat(tokens).hasSize(20);
            // each token arrived exactly when the ticker reached its due time: not before (paced), and not held back
            // to a later step (the loop above only moves on once it has arrived)
            for (int i = 0; i < 20; i++) {
                assertThat(tokens.get(i).atNanos()).as("ticker when token %d arrived", i)
                        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(10L * i));
            }
            assertThat(events.getLast().event().isDone()).isTrue();
        }
    }

    /** The chat chunks that carry content, with their arrival stamps. */
    private static List<SimHarness.Timed> contentOf(List<SimHarness.Timed> events) {
        return events.stream().filter(t -> !t.event().isDone())
                .filter(t -> !SimHarness.json(t.event().data()).path("choices").path(0).path("delta")
                        .path("content").asText("").isEmpty())
                .toList();
    }

    @Test
    void defaultPacingComesFromTheOptions() throws Exception {
        try (SimHarness paced = SimHarness.start(SimulatorOptions.defaults().withTokensPerSecond(50))) {
            SimHarness.Streamed s = paced.stream("/responses", responsesStream("paced by default"), SIM, "tokens=6");
            assertThat(deltas(s)).hasSize(6);
            assertThat(s.elapsedNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5 * 20));
        }
    }

    @Test
    void disconnectAfterTwoChunksDropsTheConnectionWithoutDone() {
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("drop me", STREAM), SIM,
                "disconnect_after=2");
        assertThat(s.head().statusCode()).isEqualTo(200);
        assertThat(s.chatContent()).hasSize(2);
        assertThat(s.failure()).isInstanceOf(IOException.class);
        assertThat(s.all()).noneMatch(SseEvent::isDone);
        assertThat(s.json()).noneMatch(n -> n.has("error"));
    }

    @Test
    void streamErrorAfterThreeChunksEmitsErrorEventWithoutDone() {
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("fail midway", STREAM), SIM,
                "stream_error_after=3");
        assertThat(s.failure()).isNull();
        assertThat(s.chatContent()).hasSize(3);
        assertThat(s.all()).noneMatch(SseEvent::isDone);
        JsonNode last = s.json().getLast();
        assertThat(last.fieldNames()).toIterable().containsExactly("error");
        JsonNode e = last.get("error");
        assertThat(e.get("type").asText()).isEqualTo("server_error");
        assertThat(e.get("code").asText()).isEqualTo("internal_error");
        assertThat(e.get("param").isNull()).isTrue();
        assertThat(e.get("message").asText()).contains(s.head().headers().firstValue("x-request-id").orElseThrow());
    }

    @Test
    void responsesStreamErrorEmitsFlatAndNestedErrorThenResponseFailed() {
        SimHarness.Streamed s = sim.stream("/responses", responsesStream("fail the response"), SIM,
                "stream_error_after=3");
        assertThat(deltas(s)).hasSize(3);
        List<SseEvent> events = s.all();
        assertThat(events.get(events.size() - 2).event()).isEqualTo("error");
        assertThat(events.getLast().event()).isEqualTo("response.failed");
        List<JsonNode> data = s.json();
        JsonNode error = data.get(data.size() - 2);
        assertThat(error.get("type").asText()).isEqualTo("error");
        assertThat(error.get("code").asText()).isEqualTo("internal_error");
        assertThat(error.has("message") && error.has("param")).isTrue();
        assertThat(error.get("sequence_number").asInt()).isEqualTo(data.size() - 2);
        assertThat(error.at("/error/type").asText()).isEqualTo("server_error");
        assertThat(error.at("/error/code").asText()).isEqualTo("internal_error");
        JsonNode failed = data.getLast();
        assertThat(failed.at("/response/status").asText()).isEqualTo("failed");
        assertThat(failed.at("/response/error/code").asText()).isEqualTo("internal_error");
        assertThat(failed.at("/response/error/message").asText()).isNotBlank();
    }

    @Test
    void responsesStreamDisconnectsAfterTwoDeltas() {
        SimHarness.Streamed s = sim.stream("/responses", responsesStream("drop the response"), SIM,
                "disconnect_after=2");
        assertThat(deltas(s)).hasSize(2);
        assertThat(s.failure()).isInstanceOf(IOException.class);
        assertThat(s.all()).noneMatch(e -> "response.completed".equals(e.event()));
    }

    @Test
    void streamFaultFiresEvenWhenTheNaturalAnswerIsShorter() {
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("short", STREAM), SIM,
                "stream_error_after=60");
        assertThat(s.chatContent()).hasSize(60);
        assertThat(s.json().getLast().has("error")).isTrue();
    }

    @Test
    void malformedStreamSendsAChunkThatIsNotJson() {
        SimHarness.Streamed s = sim.stream("/chat/completions", chatBody("garbage", STREAM), SIM, "malformed");
        assertThat(s.head().statusCode()).isEqualTo(200);
        assertThat(s.all()).hasSize(1);
        assertThatThrownBy(() -> SimHarness.JSON.readTree(s.all().getFirst().data())).isInstanceOf(IOException.class);
    }

    @Test
    void statusOnAStreamIsAnOrdinaryHttpErrorBeforeTheFirstByte() {
        var r = sim.post("/chat/completions", chatBody("no stream", STREAM), SIM, "status=503");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    }

    @Test
    void clientLeavingMidStreamReleasesTheServer() throws Exception {
        HttpRequest req = sim.request("/chat/completions", SIM, "tokens=1000;tps=20")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody("long slow stream", STREAM))).build();
        HttpResponse<InputStream> r = sim.client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            assertThat(in.read()).isNotNegative();
            assertThat(sim.server.inFlight()).isPositive();
        }
        sim.server.whenIdle().toCompletionStage().toCompletableFuture().get(SimHarness.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(sim.server.inFlight()).isZero();
    }
}
