package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.ScriptedServer;
import dev.sluice.testing.ScriptedServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.gateway.BatchTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live traffic keeps its share of the machine while a batch runs: batch lines are bounded in concurrency and yield
 * to live requests. The upstream holds every request until the test lets it go, so what is asserted is how many
 * batch lines the gateway has at the upstream at once, in each phase, not how fast anything was: while a live
 * request is in flight, one; once live traffic has stopped, {@code batch.concurrency}, never more. (What that does to
 * interactive latency is a measurement, written in docs/batch.md, not a test.)
 */
class BatchLatencyTest {
    static final int CONCURRENCY = 4;
    static final int LINES = 12;
    static final int LINES_WHILE_LIVE = 5;
    private static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

    @TempDir
    Path dir;

    /** A request the upstream holds until {@link #go} is counted down. */
    record Held(boolean batch, CountDownLatch go) {
        void release() {
            go.countDown();
        }
    }

    /** The upstream: holds each request until released; counts the batch lines it holds, and the most at once. */
    static final class HoldingUpstream implements AutoCloseable {
        final BlockingQueue<Held> arrivals = new LinkedBlockingQueue<>();
        final AtomicInteger batchHeld = new AtomicInteger();
        final AtomicInteger mostBatchHeld = new AtomicInteger();
        final ScriptedServer server = ScriptedServer.start().route(this::answer);

        private Reply answer(ScriptedServer.Recorded request) {
            if (!request.path().endsWith("/chat/completions")) return Reply.json(200, "{\"object\":\"list\",\"data\":[]}");
            Held h = new Held(request.bodyText().contains("Hello line-"), new CountDownLatch(1));
            if (h.batch()) mostBatchHeld.accumulateAndGet(batchHeld.incrementAndGet(), Math::max);
            arrivals.add(h);
            try {
                if (!h.go.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                // before the answer leaves: the gateway sends the batch's next line only after it has this answer
                if (h.batch()) batchHeld.decrementAndGet();
            }
            return Reply.json(200, COMPLETION);
        }

        /** The next request to arrive (waits for it: arrivals are the observable state, not a time). */
        Held next() throws InterruptedException {
            Held h = arrivals.poll(20, TimeUnit.SECONDS);
            assertThat(h).as("a request reached the upstream").isNotNull();
            return h;
        }

        @Override
        public void close() {
            server.close();
        }
    }

    @Test
    void whileALiveRequestIsServedABatchHasOneLineInFlightThenItsFullConcurrencyNeverMore() throws Exception {
        try (HoldingUpstream up = new HoldingUpstream(); TestGateway gw = TestGateway.builder(dir).withoutSimulator()
                .config("slow_down: {enabled: false}\nbatch: {concurrency: " + CONCURRENCY + "}\nmodels:\n"
                        + "  - {id: held, family: held, modality: chat, context_window: 16384, max_output_tokens: 4096,"
                        + " tokenizer: o200k_base, price: {input_per_1m: 1, output_per_1m: 2}, deployments: [{name: up,"
                        + " provider: openai, model: up, base_url: \"" + up.server.baseUrl() + "\","
                        + " api_key_env: UP_KEY}]}\n")
                .env("UP_KEY", "sk-up-test").start()) {
            // a live request, held at the upstream: live traffic is being served until the test lets it go
            CompletableFuture<HttpResponse<String>> liveAnswer = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                            .header("authorization", "Bearer " + TestGateway.DEMO_KEY)
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chat("held", null))).build(),
                    HttpResponse.BodyHandlers.ofString());
            Held live = up.next();
            assertThat(live.batch()).isFalse();

            StringBuilder in = new StringBuilder();
            for (int i = 0; i < LINES; i++) in.append(chatLine("line-" + i, null).replace("sim-mini", "held"));
            String id = createBatch(gw, uploadBatchFile(gw, in.toString()), "/v1/chat/completions").get("id").asText();

            // phase 1: each line arrives alone; the next one only after the previous has been answered
            for (int i = 0; i < LINES_WHILE_LIVE; i++) {
                Held line = up.next();
                assertThat(line.batch()).isTrue();
                assertThat(up.batchHeld.get()).as("batch lines at the upstream with line %d", i).isEqualTo(1);
                line.release();
            }
            assertThat(up.mostBatchHeld.get()).as("most batch lines at once while live traffic ran").isEqualTo(1);

            // phase 2: live traffic ends; the batch goes back to its full concurrency, and holds there
            live.release();
            assertThat(liveAnswer.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            Held[] lines = new Held[LINES - LINES_WHILE_LIVE];
            for (int i = 0; i < CONCURRENCY; i++) lines[i] = up.next();
            assertThat(up.batchHeld.get()).as("batch lines at the upstream at once").isEqualTo(CONCURRENCY);
            for (int i = 0; i < CONCURRENCY; i++) lines[i].release();
            for (int i = CONCURRENCY; i < lines.length; i++) up.next().release();

            JsonNode done = awaitStatus(gw, id, "completed", Duration.ofSeconds(60));
            assertThat(done.at("/request_counts/completed").asInt()).isEqualTo(LINES);
            assertThat(up.mostBatchHeld.get()).as("most batch lines at once").isEqualTo(CONCURRENCY);
            assertThat(up.arrivals).isEmpty();
        }
    }
}
