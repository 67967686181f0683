package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.protocol.SseDecoder;
import dev.sluice.protocol.SseEvent;
import dev.sluice.protocol.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/** A real simulator on an ephemeral loopback port and a real HTTP/1.1 client to call it. */
final class SimHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long the harness waits for something that must happen (a start, an answer, an event): a bound for a
     * test that would otherwise hang, not a speed. Generous, since a loaded machine starves these tests for seconds.
     */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    final Vertx vertx;
    final SimulatorServer server;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private SimHarness(Vertx vertx, SimulatorServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    static SimHarness start(SimulatorOptions options) {
        return start(options, Ticker.system());
    }

    /** A simulator whose stream pacing reads {@code ticker} (a test's hand-moved time). */
    static SimHarness start(SimulatorOptions options, Ticker ticker) {
        Vertx vertx = Vertx.vertx();
        return new SimHarness(vertx, await(SimulatorServer.start(vertx, options, ticker)));
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(PATIENCE);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return b;
    }

    HttpResponse<String> post(String path, String json, String... headers) {
        return send(request(path, headers).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(request(path, headers).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Posts and reads the answer as SSE, noting when each event arrived and how the stream ended. A subscriber (not
     * an InputStream, which drops buffered bytes once the connection fails) so every byte received is seen.
     */
    Streamed stream(String path, String json, String... headers) {
        HttpRequest req = request(path, headers).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        long start = System.nanoTime();
        SseCollector collector = new SseCollector(() -> System.nanoTime() - start);
        AtomicReference<HttpResponse.ResponseInfo> head = new AtomicReference<>();
        long[] headAt = new long[1];
        try {
            client.send(req, info -> {
                headAt[0] = System.nanoTime() - start;
                head.set(info);
                return HttpResponse.BodySubscribers.fromSubscriber(collector);
            });
        } catch (IOException e) {
            if (head.get() == null) throw new UncheckedIOException(e); // failed before the headers: not a stream
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        try {
            collector.done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return new Streamed(head.get(), headAt[0], collector.snapshot(), collector.failure,
                System.nanoTime() - start);
    }

    /**
     * Posts and returns at once: the events so far are read while the stream runs, each stamped with {@code ticker}
     * at its arrival (for a test that moves the simulator's time by hand and waits for what that time lets through).
     */
    Live streamLive(Ticker ticker, String path, String json, String... headers) {
        HttpRequest req = request(path, headers).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        SseCollector collector = new SseCollector(ticker::nanos);
        client.sendAsync(req, info -> HttpResponse.BodySubscribers.fromSubscriber(collector));
        return new Live(collector);
    }

    /** A stream being read: {@link #events} grows as events arrive. */
    static final class Live {
        private final SseCollector collector;

        private Live(SseCollector collector) {
            this.collector = collector;
        }

        /** The events received so far. */
        List<Timed> events() {
            return collector.snapshot();
        }

        /** Waits (at most {@link #PATIENCE}) until {@code done} holds for the events received so far; returns them. */
        List<Timed> awaitEvents(java.util.function.Predicate<List<Timed>> done) {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (true) {
                boolean ended = collector.done.isDone(); // read first: once ended, the snapshot below is complete
                List<Timed> now = events();
                if (done.test(now)) return now;
                if (ended || System.nanoTime() > deadline) {
                    throw new AssertionError("the stream " + (ended ? "ended" : "stalled")
                            + " before the expected events; received " + now.size() + ": " + now);
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        /** Waits (at most {@link #PATIENCE}) for the end of the stream; returns every event. */
        List<Timed> awaitEnd() {
            try {
                collector.done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return events();
        }
    }

    /** Decodes SSE as bytes arrive; UTF-8 is decoded per event line, so multi-byte characters are safe. */
    private static final class SseCollector implements Flow.Subscriber<List<ByteBuffer>> {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final List<Timed> events = new ArrayList<>();
        /** The arrival stamp of an event. */
        final LongSupplier clock;
        final SseDecoder decoder = new SseDecoder();
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        volatile Throwable failure;

        SseCollector(LongSupplier clock) {
            this.clock = clock;
        }

        synchronized List<Timed> snapshot() {
            return List.copyOf(events);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            long at = clock.getAsLong();
            for (ByteBuffer b : item) {
                while (b.hasRemaining()) {
                    byte c = b.get();
                    pending.write(c);
                    if (c == '\n') {
                        feed(pending.toString(StandardCharsets.UTF_8), at);
                        pending.reset();
                    }
                }
            }
        }

        private synchronized void feed(String text, long at) {
            for (SseEvent e : decoder.feed(text)) events.add(new Timed(e, at));
        }

        @Override
        public void onError(Throwable t) {
            failure = t;
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private synchronized void finish() {
            if (pending.size() > 0) feed(pending.toString(StandardCharsets.UTF_8), clock.getAsLong());
            for (SseEvent e : decoder.finish()) events.add(new Timed(e, clock.getAsLong()));
            done.complete(null);
        }
    }

    record Timed(SseEvent event, long atNanos) {
        long atMillis() {
            return atNanos / 1_000_000;
        }
    }

    record Streamed(HttpResponse.ResponseInfo head, long headAtNanos, List<Timed> events, Throwable failure, long elapsedNanos) {
        List<SseEvent> all() {
            return events.stream().map(Timed::event).toList();
        }

        /** Parsed data of every event that is neither [DONE] nor unparseable. */
        List<JsonNode> json() {
            List<JsonNode> out = new ArrayList<>();
            for (SseEvent e : all()) {
                if (!e.isDone()) out.add(SimHarness.json(e.data()));
            }
            return out;
        }

        /** The chat chunks carrying non-empty delta.content. */
        List<String> chatContent() {
            List<String> out = new ArrayList<>();
            for (JsonNode n : json()) {
                String c = n.path("choices").path(0).path("delta").path("content").asText("");
                if (!c.isEmpty()) out.add(c);
            }
            return out;
        }

        boolean endedWithDone() {
            return !events.isEmpty() && events.getLast().event().isDone();
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String chatBody(String prompt, String... extra) {
        StringBuilder sb = new StringBuilder("{\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":")
                .append(quote(prompt)).append("}]");
        for (String e : extra) sb.append(',').append(e);
        return sb.append('}').toString();
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        await(server.close());
        await(vertx.close());
    }
}
