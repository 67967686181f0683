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
    /** The upstream of model {@code m-paced}: its streams send a chunk when the test says so, else nothing. */
    static PacedUpstream paced;
    /** Every delay the gateway scheduled, in order. */
    static final List<Long> scheduled = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        sim = await(SimulatorServer.start(vertx, SimulatorOptions.defaults().withTokensPerSecond(0)));
        paced = new PacedUpstream();
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
                  - {id: m-paced, family: m-paced, modality: chat, context_window: 16384, max_output_tokens: 4096,\
                 tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: p,\
                 provider: openai, model: up, base_url: "%s", api_key_env: UP_KEY}]}
                """.formatted(FIRST_BYTE_MS, sim.baseUrl(), paced.baseUrl());
        // Noted once the task is in the fake scheduler: a test that saw the delay here also sees it in time.pending().
        Timers recording = (delayMs, task) -> {
            Timers.Timer timer = time.schedule(delayMs, task);
            scheduled.add(delayMs);
            return timer;
        };
        gw = TestGateway.builder(dir).config(yaml).env("UP_KEY", "sk-up-test")
                .options(o -> o.withUpstreamTime(time, recording)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        await(sim.close());
        await(vertx.close());
        paced.close();
    }

    @BeforeEach
    void forgetEarlierSchedules() {
        scheduled.clear();
    }

    /** A liveness bound (starting the simulator took more than 10 s once on a loaded machine), not a speed. */
    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    CompletableFuture<HttpResponse<String>> postAsync(String directives) {
        String body = "{\"model\":\"m-one\",\"messages\":[{\"role\":\"user\",\"content\":\"" + UUID.randomUUID() + "\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(60)).header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("content-type", "application/json").header("x-sluice-sim", directives)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return gw.http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    }

    /** A streamed answer of model {@code m-paced}: the caller's response and its upstream stream. */
    record Paced(HttpResponse<java.io.InputStream> response, PacedUpstream.Stream upstream) {}

    /**
     * A streamed chat completion of model {@code m-paced} whose upstream has sent its head and one chunk (the gateway
     * answers its caller with the first event); nothing more reaches the caller but the chunks the test sends.
     */
    Paced pacedStream() throws Exception {
        String body = "{\"model\":\"m-paced\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + UUID.randomUUID() + "\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .timeout(Duration.ofSeconds(60)).header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        CompletableFuture<HttpResponse<java.io.InputStream>> r =
                gw.http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        PacedUpstream.Stream upstream = paced.awaitStream();
        upstream.send(PacedUpstream.CHUNK_EVENT);
        return new Paced(r.get(60, TimeUnit.SECONDS), upstream);
    }

    /** The next {@code data:} line of a stream (null at its end). */
    static String nextData(java.io.BufferedReader in) throws java.io.IOException {
        for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: ")) return line;
        return null;
    }

    /**
     * Until the gateway has scheduled a wait of {@code ms} (a liveness guard, not a timing assertion: generous, and
     * polling with a pause, not a spin that would take a core from the gateway on a loaded machine).
     */
    static void awaitScheduled(long ms) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!scheduled.contains(ms)) {
            if (System.nanoTime() > guard) throw new AssertionError("never scheduled " + ms + " ms: " + scheduled);
            Thread.sleep(1);
        }
    }

    /** Until the simulator has received {@code n} requests since {@code before} (a liveness guard, as above). */
    static void awaitReceived(long before, long n) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sim.requestsReceived() - before < n) {
            if (System.nanoTime() > guard) throw new AssertionError("the simulator never got request " + n);
            Thread.sleep(1);
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
        HttpResponse<String> answer = r.get(60, TimeUnit.SECONDS);
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
        HttpResponse<String> answer = r.get(60, TimeUnit.SECONDS);
        JsonNode e = assertError(answer, 504, "server_error", "upstream_timeout", null, true);
        assertThat(e.get("message").asText()).startsWith("The upstream provider did not respond within 400ms.");
        assertThat(answer.headers().firstValue("x-sluice-attempts")).contains("1");
        await(sim.whenIdle()); // the timed-out attempt was reset
        assertThat(sim.inFlight()).isZero();
        assertThat(time.pending()).as("every timer of the call was cancelled").isZero();
    }

    /**
     * An upstream stream that sends one chunk and then nothing: the test moves time to 1 ms short of the idle timeout
     * (not cut), then past it (cut in-band, and the upstream connection is closed). The upstream says nothing unless
     * the test makes it, so no chunk can land on a timer falling due.
     */
    @Test
    void aStreamThatGoesQuietIsCutInBandWhenTheTestMovesTimePastTheIdleTimeout() throws Exception {
        Paced p = pacedStream();
        HttpResponse<java.io.InputStream> r = p.response();
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            assertThat(nextData(in)).as("the first event reached the caller").startsWith("data: {")
                    .doesNotContain("\"error\"");
            awaitScheduled(1000); // the idle timer, armed on the fake clock by the chunk
            int waiting = time.pending();
            time.advance(Duration.ofMillis(999));
            assertThat(time.pending()).as("the idle timer has not fired").isEqualTo(waiting);
            time.advance(Duration.ofMillis(1));
            List<String> data = in.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
            assertThat(data).isNotEmpty().doesNotContain("[DONE]");
            JsonNode err = TestGateway.JSON.readTree(data.getLast()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("upstream_timeout");
            assertThat(err.get("message").asText()).startsWith("The upstream provider did not respond within 1s.");
        }
        assertThat(p.upstream().gone().get(60, TimeUnit.SECONDS)).as("the quiet upstream stream was closed").isTrue();
    }

    /**
     * The idle deadline follows the last bytes, not the first: with a chunk in every 450 ms of (fake) time the stream is
     * never cut, although 4 s pass against an idle timeout of 1 s and the pending timer falls due several times. The
     * test sends each chunk through the upstream and reads it from the gateway before it moves time, so the gateway
     * has seen every chunk at the fake time it was sent, whatever the machine's load.
     */
    @Test
    void aStreamWhoseChunksKeepComingWithinTheIdleTimeoutIsNeverCut() throws Exception {
        Paced p = pacedStream();
        HttpResponse<java.io.InputStream> r = p.response();
        assertThat(r.statusCode()).isEqualTo(200);
        try (java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            for (int chunks = 0; chunks < 10; chunks++) {
                if (chunks > 0) p.upstream().send(PacedUpstream.CHUNK_EVENT); // the first came with the head
                String line = nextData(in);
                assertThat(line).as("chunk %d", chunks).isNotNull().doesNotContain("\"error\"")
                        .isNotEqualTo("data: [DONE]");
                if (chunks < 9) time.advance(Duration.ofMillis(450));
            }
        }
    }

    /**
     * A caller that stops reading is not an upstream that went quiet. The caller takes the first event and then
     * nothing; the upstream sends until the gateway, with the caller's socket full, stops reading it. At 1 ms short of
     * the idle timeout nothing happens; at the idle timeout the caller is treated as gone — its connection is closed
     * and the upstream stream too — and what it finally reads carries no {@code upstream_timeout}: the upstream is
     * not blamed for the caller's stall (before, the idle timer cut the stream in-band as the upstream's timeout).
     */
    @Test
    void aCallerThatStopsReadingIsGoneAtTheIdleTimeoutNotAQuietUpstream() throws Exception {
        Paced p = pacedStream();
        HttpResponse<java.io.InputStream> r = p.response();
        assertThat(r.statusCode()).isEqualTo(200);
        java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(nextData(in)).as("the first event reached the caller").doesNotContain("\"error\"");
        awaitScheduled(1000); // the idle timer, armed on the fake clock by the first chunk
        String big = PacedUpstream.CHUNK_EVENT.replace("\"Hi\"", "\"" + "Hi ".repeat(20_000) + "\"");
        awaitGatewayStoppedReading(p.upstream(), big);
        int waiting = time.pending();
        time.advance(Duration.ofMillis(999));
        assertThat(time.pending()).as("nothing fell due before the idle timeout").isEqualTo(waiting);
        time.advance(Duration.ofMillis(1));
        assertThat(p.upstream().gone().get(60, TimeUnit.SECONDS)).as("the upstream stream was closed").isTrue();
        List<String> rest = new java.util.ArrayList<>();
        try (in) {
            for (String line; (line = in.readLine()) != null; ) if (line.startsWith("data: ")) rest.add(line);
        } catch (java.io.IOException closed) {
            // the gateway closed the connection of a caller that took nothing: what it had sent before is all there is
        }
        assertThat(rest).noneMatch(l -> l.contains("upstream_timeout")).doesNotContain("data: [DONE]");
    }

    /**
     * Sends {@code event} through the upstream until the gateway stops taking it (the caller's socket is full, so
     * the gateway paused its upstream): events stay queued at the upstream for 2 s (a liveness bound of 120 s).
     */
    static void awaitGatewayStoppedReading(PacedUpstream.Stream upstream, String event) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long stuckSince = 0;
        int last = -1;
        while (System.nanoTime() < guard) {
            int pending = upstream.pending();
            if (pending == 0) {
                for (int i = 0; i < 20; i++) upstream.send(event);
                stuckSince = 0;
            } else if (pending == last) {
                if (stuckSince == 0) stuckSince = System.nanoTime();
                else if (System.nanoTime() - stuckSince > TimeUnit.SECONDS.toNanos(2)) return;
            } else {
                stuckSince = 0;
            }
            last = pending;
            Thread.sleep(50);
        }
        throw new AssertionError("the gateway kept reading the upstream: the caller's socket never filled");
    }

    /**
     * A real OpenAI-style upstream on loopback whose streamed answers are driven by the test: each request's head is
     * sent at once, then one SSE event per {@link Stream#send}, and nothing otherwise.
     */
    static final class PacedUpstream implements AutoCloseable {
        static final String CHUNK_EVENT = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
                + "\"finish_reason\":null}]}\n\n";
        private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        private final com.sun.net.httpserver.HttpServer server;
        private final java.util.concurrent.BlockingQueue<Stream> opened = new java.util.concurrent.LinkedBlockingQueue<>();

        /** One streamed answer: the events the test sends, and whether the gateway closed the connection. */
        static final class Stream {
            private final java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
            private final CompletableFuture<Boolean> gone = new CompletableFuture<>();

            void send(String event) {
                events.add(event);
            }

            /** Events sent by the test and not yet written to the gateway. */
            int pending() {
                return events.size();
            }

            /**
             * Writes filler comments until a write fails: true once the gateway has closed the connection, false if
             * it took 100 MB without closing it.
             */
            CompletableFuture<Boolean> gone() {
                events.add("");
                return gone;
            }
        }

        PacedUpstream() throws java.io.IOException {
            server = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(threads);
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        /** The stream of the next request to arrive (a liveness bound, not a timing assertion). */
        Stream awaitStream() throws InterruptedException {
            Stream s = opened.poll(60, TimeUnit.SECONDS);
            if (s == null) throw new AssertionError("no request reached the paced upstream");
            return s;
        }

        private void handle(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
            Stream s = new Stream();
            try (ex) {
                ex.getRequestBody().readAllBytes();
                ex.getResponseHeaders().set("content-type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                java.io.OutputStream out = ex.getResponseBody();
                out.flush();
                opened.add(s);
                while (true) {
                    String event = s.events.take();
                    if (event.isEmpty()) break;
                    out.write(event.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.flush();
                }
                byte[] filler = (": keep-alive" + " ".repeat(50_000) + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                for (int i = 0; i < 2_000; i++) {
                    out.write(filler);
                    out.flush();
                }
                s.gone.complete(false);
            } catch (java.io.IOException closed) {
                s.gone.complete(true);
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
