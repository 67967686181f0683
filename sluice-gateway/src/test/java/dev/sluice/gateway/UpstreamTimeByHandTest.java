package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.time.Timers;
import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import dev.sluice.testing.FakeTime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream waits driven by hand over real HTTP: the gateway's upstream timers and ticker are a {@link FakeTime}, so
 * a retry-after or a first-byte timeout happens when the test moves time, not when a wall clock gets there. Due
 * tasks are re-posted to the event loop that scheduled them, so the call's state stays on its loop.
 */
class UpstreamTimeByHandTest {
    static final long FIRST_BYTE_MS = 400;

    @TempDir
    static Path dir;
    static Vertx vertx;
    static SimulatorServer sim;
    static TestGateway gw;
    static final FakeTime time = new FakeTime();
    /** Every delay the gateway scheduled, in order. */
    static final List<Long> scheduled = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        String yaml = """
                simulator:
                  enabled: false
                upstream_timeouts:
                  first_byte_ms: %d
                  idle_ms: 1000
                  total_ms: 30000
                retry_budget:
                  enabled: false
                upstream_retries:
                  max_attempts: 3
                  base_backoff_ms: 5
                  max_backoff_ms: 20
                  max_retry_after_ms: 2000
                models:
                  - {id: m-one, family: m-one, modality: chat, context_window: 16384, max_output_tokens: 4096,\
                 tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: a,\
                 provider: sim, model: sim-mini, base_url: "%s"}]}
                """.formatted(FIRST_BYTE_MS, sim.baseUrl());
        Timers recording = (delayMs, task) -> {
            scheduled.add(delayMs);
            return time.schedule(delayMs, task);
        };
        gw = TestGateway.builder(dir).config(yaml).options(o -> o.withUpstreamTime(time, recording)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        await(sim.close());
        await(vertx.close());
    }

    @BeforeEach
    void forgetEarlierSchedules() {
        scheduled.clear();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    CompletableFuture<HttpResponse<String>> postAsync(String directives) {
        String body = "{\"model\":\"m-one\",\"messages\":[{\"role\":\"user\",\"content\":\"" + UUID.randomUUID() + "\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("content-type", "application/json").header("x-sluice-sim", directives)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return gw.http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    }

    /** A streamed chat completion whose simulator upstream follows {@code directives}, its body read as it comes. */
    HttpResponse<java.io.InputStream> stream(String directives) throws Exception {
        String body = "{\"model\":\"m-one\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + UUID.randomUUID() + "\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("content-type", "application/json").header("x-sluice-sim", directives)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return gw.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Until the gateway has scheduled a wait of {@code ms} (a liveness guard, not a timing assertion). */
    static void awaitScheduled(long ms) {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!scheduled.contains(ms)) {
            if (System.nanoTime() > guard) throw new AssertionError("never scheduled " + ms + " ms: " + scheduled);
            Thread.onSpinWait();
        }
    }

    /** Until the simulator has received {@code n} requests since {@code before} (a liveness guard). */
    static void awaitReceived(long before, long n) {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sim.requestsReceived() - before < n) {
            if (System.nanoTime() > guard) throw new AssertionError("the simulator never got request " + n);
            Thread.onSpinWait();
        }
    }

    @Test
    void aRateLimitedAttemptIsRetriedExactlyWhenItsRetryAfterHasPassed() throws Exception {
        long before = sim.requestsReceived();
        CompletableFuture<HttpResponse<String>> r = postAsync("status=429;fail_times=1");
        awaitScheduled(1000); // the simulator's retry-after-ms, longer than the 5..20 ms backoff
        assertThat(sim.requestsReceived() - before).isEqualTo(1);
        int waiting = time.pending(); // the request's total timeout and the retry's wait
        time.advance(Duration.ofMillis(999));
        assertThat(time.pending()).as("the retry still waits").isEqualTo(waiting);
        time.advance(Duration.ofMillis(1));
        HttpResponse<String> answer = r.get(20, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("x-sluice-attempts")).contains("2");
        assertThat(sim.requestsReceived() - before).isEqualTo(2);
    }

    @Test
    void aSilentUpstreamIs504WhenTheTestMovesTimePastTheFirstByteTimeout() throws Exception {
        long before = sim.requestsReceived();
        CompletableFuture<HttpResponse<String>> r = postAsync("hang");
        awaitScheduled(FIRST_BYTE_MS);
        // the first-byte timer starts once the request is on its way; let it reach the simulator before timing out
        awaitReceived(before, 1);
        int waiting = time.pending();
        time.advance(Duration.ofMillis(FIRST_BYTE_MS - 1));
        assertThat(time.pending()).as("the first-byte timer has not fired").isEqualTo(waiting);
        time.advance(Duration.ofMillis(1));
        HttpResponse<String> answer = r.get(20, TimeUnit.SECONDS);
        JsonNode e = assertError(answer, 504, "server_error", "upstream_timeout", null, true);
        assertThat(e.get("message").asText()).startsWith("The upstream provider did not respond within 400ms.");
        assertThat(answer.headers().firstValue("x-sluice-attempts")).contains("1");
        await(sim.whenIdle()); // the timed-out attempt was reset
        assertThat(sim.inFlight()).isZero();
        assertThat(time.pending()).as("every timer of the call was cancelled").isZero();
    }

    @Test
    void aStreamThatGoesQuietIsCutInBandWhenTheTestMovesTimePastTheIdleTimeout() throws Exception {
        HttpResponse<java.io.InputStream> r = stream("tokens=400;tps=2");
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).as("the first event reached the caller").startsWith("data: ");
            awaitScheduled(1000); // the idle timer, re-armed on the fake clock with every chunk
            CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(
                    () -> in.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList());
            // A chunk that lands just as the timer falls due re-arms it, so move time until the stream ends.
            for (int moves = 0; !rest.isDone(); moves++) {
                assertThat(moves).as("the idle timeout cut the stream").isLessThan(50);
                time.advance(Duration.ofMillis(1000));
                try {
                    rest.get(200, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException stillStreaming) {
                    // move time again
                }
            }
            List<String> data = rest.join();
            assertThat(data).doesNotContain("[DONE]");
            JsonNode err = TestGateway.JSON.readTree(data.getLast()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("upstream_timeout");
            assertThat(err.get("message").asText()).startsWith("The upstream provider did not respond within 1s.");
        }
        await(sim.whenIdle()); // the quiet upstream stream was reset
        assertThat(sim.inFlight()).isZero();
    }

    /**
     * The idle deadline follows the last bytes, not the first: with a chunk in every 450 ms of (fake) time the stream is
     * never cut, although 4 s pass against an idle timeout of 1 s and the pending timer falls due several times. (The
     * simulator sends a chunk every 500 ms of real time, so each one has arrived before the test moves time again; two
     * arriving together still leave 900 ms.)
     */
    @Test
    void aStreamWhoseChunksKeepComingWithinTheIdleTimeoutIsNeverCut() throws Exception {
        HttpResponse<java.io.InputStream> r = stream("tokens=400;tps=2");
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            int chunks = 0;
            for (String line; chunks < 10 && (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                assertThat(line).as("chunk %d", chunks).doesNotContain("\"error\"").isNotEqualTo("data: [DONE]");
                chunks++;
                if (chunks < 10) time.advance(Duration.ofMillis(450));
            }
            assertThat(chunks).as("the stream went on past 4 s of fake time").isEqualTo(10);
        }
    }
}
