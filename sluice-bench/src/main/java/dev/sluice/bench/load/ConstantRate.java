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
import java.util.function.LongFunction;

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
     * What a run sends when its body changes over time, and who hears every answer: {@code bodyAt} gives the body of a
     * request due {@code n} ns after the measured part began (negative during the unrecorded stretch); the listener
     * is told when the clock starts and hears every answer, the unrecorded stretch's too, on the generator's event
     * loops (so it must be thread-safe).
     */
    public record Traffic(LongFunction<Buffer> bodyAt, Listener listener) {
    }

    /** Hears a {@link Traffic} run. */
    public interface Listener {
        /** The schedule is fixed: the measured part begins at {@code measureStartNanos} ({@link System#nanoTime}). */
        void started(long measureStartNanos);

        /**
         * A request due at {@code intendedNanos} and sent at {@code sentNanos} was answered at {@code doneNanos} with
         * {@code status} (0 when no answer came: an I/O failure); {@code failure} is null for a 2xx, else its cause as
         * {@link Failures} names it.
         */
        void answered(long intendedNanos, long sentNanos, long doneNanos, int status, String failure);
    }

    /**
     * One run against {@code port}. The priming rounds go to {@code primePort}: the same port normally; another
     * system's for a cold start, whose first seconds must not be warmed by the generator's own preparation.
     */
    public static RateResult run(Vertx vertx, String host, int port, int primePort, BenchRequest request, double rate,
                                 Duration warmup, Duration measure, int connections) throws Exception {
        return run(vertx, host, port, primePort, request, rate, warmup, measure, connections, null);
    }

    /**
     * As above, with the body of each request chosen by its due time and every answer reported ({@code traffic});
     * {@code request} gives the path, the headers and the body of the priming rounds.
     */
    public static RateResult run(Vertx vertx, String host, int port, int primePort, BenchRequest request, double rate,
                                 Duration warmup, Duration measure, int connections, Traffic traffic) throws Exception {
        HttpClient client = client(vertx, connections);
        // one context per event loop: request i goes out on context i % loops, each with its own tally
        int loops = loops();
        Context[] contexts = new Context[loops];
        for (int i = 0; i < loops; i++) contexts[i] = vertx.getOrCreateContext(); // a new one per call off Vert.x threads
        MultiMap headers = headers(request);
        Buffer body = Buffer.buffer(request.body());
        try {
            prime(client, contexts[0], host, primePort, request.path(), headers, body, Math.min(connections, 32));
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            Schedule schedule = new Schedule(start, rate);
            long measureStart = start + warmup.toNanos();
            long end = measureStart + measure.toNanos();
            Run[] runs = new Run[loops];
            LongFunction<Buffer> bodyAt = traffic == null ? t -> body : traffic.bodyAt();
            Listener listener = traffic == null ? null : traffic.listener();
            for (int k = 0; k < loops; k++) {
                runs[k] = new Run(client, host, port, request.path(), headers, bodyAt, listener, measureStart);
            }
            if (listener != null) listener.started(measureStart);
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

    /**
     * The most this generator gets out of the system: {@code connections} requests kept in flight (each sends the next
     * as soon as its answer is read) for {@code warmup} unrecorded, then {@code measure} counted; answers per second
     * of the measured part, and the generator's own CPU per answer. A constant rate derived from this maximum is one
     * the system can hold while this generator (dearer per request than wrk) shares the machine with it.
     */
    public static ClosedLoop closedLoop(Vertx vertx, String host, int port, BenchRequest request, int connections,
                                        Duration warmup, Duration measure) throws Exception {
        HttpClient client = client(vertx, connections);
        int loops = loops();
        MultiMap headers = headers(request);
        Buffer body = Buffer.buffer(request.body());
        RequestOptions options = post(host, port, request.path(), headers);
        long start = System.nanoTime();
        long measureStart = start + warmup.toNanos();
        long end = measureStart + measure.toNanos();
        java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(connections);
        long[] cpu = new long[2];
        try {
            for (int k = 0; k < loops; k++) {
                Context ctx = vertx.getOrCreateContext();
                int workers = connections / loops + (k < connections % loops ? 1 : 0);
                ctx.runOnContext(v -> {
                    for (int w = 0; w < workers; w++) {
                        new Object() {
                            void next() {
                                client.request(options).compose(req -> req.send(body))
                                        .compose(resp -> resp.body().map(b -> resp.statusCode() / 100 == 2))
                                        .onComplete(ar -> {
                                            long now = System.nanoTime();
                                            if (now >= measureStart && now < end) {
                                                if (ar.succeeded() && ar.result()) answered.incrementAndGet();
                                                else failed.incrementAndGet();
                                            }
                                            if (now < end) next();
                                            else stopped.countDown();
                                        });
                            }
                        }.next();
                    }
                });
            }
            LockSupport.parkNanos(Math.max(0, measureStart - System.nanoTime()));
            cpu[0] = ProcessStats.ownCpuNanos();
            LockSupport.parkNanos(Math.max(0, end - System.nanoTime()));
            cpu[1] = ProcessStats.ownCpuNanos();
            stopped.await(GRACE_NANOS, TimeUnit.NANOSECONDS);
        } finally {
            closeQuietly(client);
        }
        double seconds = measure.toNanos() / 1e9;
        long n = answered.get();
        return new ClosedLoop(n / seconds, failed.get(), n == 0 ? 0 : (cpu[1] - cpu[0]) / 1000.0 / n);
    }

    /** {@link #closedLoop}'s figures: answers per second (2xx), failures, the generator's CPU µs per answer. */
    public record ClosedLoop(double requestsPerSecond, long failed, double generatorCpuMicros) {
    }

    /** The generator's client: keep-alive HTTP/1.1 connections, up to {@code connections}, no limit on waiters. */
    private static HttpClient client(Vertx vertx, int connections) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    /** Event-loop contexts the generator spreads its requests over. */
    private static int loops() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    private static MultiMap headers(BenchRequest request) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(headers::add);
        return headers;
    }

    private static RequestOptions post(String host, int port, String path, MultiMap headers) {
        return new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port).setURI(path)
                .setHeaders(headers).setConnectTimeout(10_000).setIdleTimeout(30_000);
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
        RequestOptions options = post(host, port, path, headers);
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
        private final LongFunction<Buffer> bodyAt;
        private final Listener listener;
        private final long measureStart;
        private final LatencyRecorder recorder = new LatencyRecorder();
        private final Map<Long, Long> inFlight = new HashMap<>();
        private volatile int open;
        private volatile int peakOpen;

        Run(HttpClient client, String host, int port, String path, MultiMap headers, LongFunction<Buffer> bodyAt,
            Listener listener, long measureStart) {
            this.client = client;
            this.options = post(host, port, path, headers);
            this.bodyAt = bodyAt;
            this.listener = listener;
            this.measureStart = measureStart;
        }

        void send(long index, long intended) {
            long sent = System.nanoTime();
            boolean measured = intended >= measureStart;
            if (measured) inFlight.put(index, intended);
            open++;
            peakOpen = Math.max(peakOpen, open);
            Buffer body = bodyAt.apply(intended - measureStart);
            int[] status = {0};
            client.request(options)
                    .compose(req -> req.send(body))
                    .compose(resp -> {
                        status[0] = resp.statusCode();
                        return resp.body().map(b -> resp.statusCode() / 100 == 2 ? null
                                : Failures.http(resp.statusCode(), b.toString()));
                    })
                    .onComplete(ar -> {
                        long done = System.nanoTime();
                        open--;
                        String failure = ar.succeeded() ? ar.result() : Failures.io(ar.cause());
                        if (listener != null) listener.answered(intended, sent, done, ar.succeeded() ? status[0] : 0, failure);
                        if (!measured || inFlight.remove(index) == null) return;
                        recorder.record(intended, sent, done, failure);
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
