package dev.sluice.bench.load;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop generator: one dispatcher thread wakes when requests fall due on a {@link Schedule} and hands them,
 * in turn, to the Vert.x event loops (one context each, with its own tally, merged at the end), which send them over a pool of keep-alive HTTP/1.1 connections and records each answer in a
 * {@link LatencyRecorder} from its intended send time. A few closed-loop rounds open the connections first, then a
 * stretch at the rate warms the generator (not recorded); requests still unanswered a grace period after the run
 * count as failures.
 */
public final class ConstantRate {
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private ConstantRate() {
    }

    /**
     * One run against {@code port}. The priming rounds go to {@code primePort}: the same port normally; another
     * system's for a cold start, whose first seconds must not be warmed by the generator's own preparation.
     */
    public static RateResult run(Vertx vertx, String host, int port, int primePort, BenchRequest request, double rate,
                                 Duration warmup, Duration measure, int connections) throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        // one context per event loop: request i goes out on context i % loops, each with its own tally
        int loops = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        Context[] contexts = new Context[loops];
        for (int i = 0; i < loops; i++) contexts[i] = vertx.getOrCreateContext(); // a new one per call off Vert.x threads
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(headers::add);
        Buffer body = Buffer.buffer(request.body());
        try {
            prime(client, contexts[0], host, primePort, request.path(), headers, body, Math.min(connections, 32));
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            Schedule schedule = new Schedule(start, rate);
            long measureStart = start + warmup.toNanos();
            long end = measureStart + measure.toNanos();
            Run[] runs = new Run[loops];
            for (int k = 0; k < loops; k++) runs[k] = new Run(client, host, port, request.path(), headers, body, measureStart);
            long sent = 0;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) break;
                long due = Math.min(schedule.dueBy(now), schedule.dueBy(end - 1));
                if (due > sent) {
                    long from = sent, to = due;
                    for (int k = 0; k < loops; k++) {
                        long first = from + Math.floorMod(k - from, loops);
                        if (first >= to) continue;
                        Run run = runs[k];
                        contexts[k].runOnContext(v -> {
                            for (long i = first; i < to; i += loops) run.send(i, schedule.intendedNanos(i));
                        });
                    }
                    sent = due;
                }
                long next = schedule.intendedNanos(sent);
                LockSupport.parkNanos(Math.max(10_000, Math.min(next, end) - System.nanoTime()));
            }
            long deadline = end + GRACE_NANOS;
            while (System.nanoTime() < deadline && !java.util.Arrays.stream(runs).allMatch(Run::idle)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            LatencyRecorder total = new LatencyRecorder();
            int peak = 0;
            for (int k = 0; k < loops; k++) {
                Run run = runs[k];
                CompletableFuture<LatencyRecorder> tally = new CompletableFuture<>();
                contexts[k].runOnContext(v -> tally.complete(run.finish()));
                total.add(tally.get(60, TimeUnit.SECONDS));
                peak += run.peakOpen;
            }
            return total.result(rate, measure.toNanos() / 1e9, peak);
        } finally {
            closeQuietly(client);
        }
    }

    /** Closing fails what is still queued; a close that takes long must not lose the figures already taken. */
    static void closeQuietly(HttpClient client) {
        try {
            client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("[bench] closing the load client: " + e);
        }
    }

    /**
     * Before the clock starts: a few rounds of {@code concurrency} requests at once, so the client's code is loaded and
     * compiled and its connections are open. Without this the first scheduled second pays for both, and on a busy
     * machine the stall can outlast the unrecorded stretch.
     */
    private static void prime(HttpClient client, Context ctx, String host, int port, String path, MultiMap headers,
                              Buffer body, int concurrency) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI(path)
                .setHeaders(headers).setConnectTimeout(10_000).setIdleTimeout(30_000);
        for (int round = 0; round < 5; round++) {
            CompletableFuture<Void> all = new CompletableFuture<>();
            ctx.runOnContext(v -> {
                int[] left = {concurrency};
                for (int i = 0; i < concurrency; i++) {
                    client.request(options).compose(req -> req.send(body)).compose(resp -> resp.body())
                            .onComplete(ar -> {
                                if (--left[0] == 0) all.complete(null);
                            });
                }
            });
            all.get(30, TimeUnit.SECONDS);
        }
    }

    /** State of one run; touched only on its event loop (bar {@link #idle}, a volatile read). */
    private static final class Run {
        private final HttpClient client;
        private final RequestOptions options;
        private final Buffer body;
        private final long measureStart;
        private final LatencyRecorder recorder = new LatencyRecorder();
        private final Map<Long, Long> inFlight = new HashMap<>();
        private volatile int open;
        private volatile int peakOpen;

        Run(HttpClient client, String host, int port, String path, MultiMap headers, Buffer body,
            long measureStart) {
            this.client = client;
            this.options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI(path)
                    .setHeaders(headers).setConnectTimeout(10_000).setIdleTimeout(30_000);
            this.body = body;
            this.measureStart = measureStart;
        }

        void send(long index, long intended) {
            long sent = System.nanoTime();
            boolean measured = intended >= measureStart;
            if (measured) inFlight.put(index, intended);
            open++;
            peakOpen = Math.max(peakOpen, open);
            client.request(options)
                    .compose(req -> req.send(body))
                    .compose(resp -> resp.body().map(b -> resp.statusCode() / 100 == 2 ? null
                            : Failures.http(resp.statusCode(), b.toString())))
                    .onComplete(ar -> {
                        long done = System.nanoTime();
                        open--;
                        if (!measured || inFlight.remove(index) == null) return;
                        recorder.record(intended, sent, done, ar.succeeded() ? ar.result() : Failures.io(ar.cause()));
                    });
        }

        boolean idle() {
            return open == 0;
        }

        LatencyRecorder finish() {
            long now = System.nanoTime();
            for (long intended : inFlight.values()) recorder.unfinished(intended, now);
            inFlight.clear();
            return recorder;
        }
    }
}
