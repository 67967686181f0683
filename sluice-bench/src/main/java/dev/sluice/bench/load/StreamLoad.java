package dev.sluice.bench.load;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * N concurrent streams: N workers, started evenly over a ramp (each opens its first stream even if this machine is
 * too busy to keep to the ramp), each opening one stream after another on its own
 * keep-alive HTTP/1.1 connection (so N streams hold N connections, N file descriptors here) until the measured time
 * is over; streams running then may finish within a grace period, the rest count as unfinished. A worker whose
 * stream failed waits {@code retryDelay} before its next one, as a client would, instead of hammering the server with
 * requests it has just refused. Workers are spread over the event loops of the given Vert.x (the SSE parsing of
 * thousands of streams is more than one loop should carry). A callback runs once every worker has started and the
 * streams are at their peak (the caller samples the server's memory then).
 */
public final class StreamLoad {
    private StreamLoad() {
    }

    public record Plan(int streams, Duration ramp, Duration measure, Duration grace, Duration retryDelay) {
    }

    public static Counts run(Vertx vertx, String host, int port, BenchRequest request, Plan plan, Runnable atPeak)
            throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                        .setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(plan.streams()).setMaxWaitQueueSize(-1));
        int loops = Math.max(1, Math.min(plan.streams(), Runtime.getRuntime().availableProcessors()));
        Context[] contexts = new Context[loops];
        for (int i = 0; i < loops; i++) contexts[i] = vertx.getOrCreateContext(); // a new one per call off Vert.x threads
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(headers::add);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setURI(request.path()).setHeaders(headers).setConnectTimeout(30_000).setIdleTimeout(60_000);
        Run run = new Run(vertx, client, options, Buffer.buffer(request.body()), plan.retryDelay().toMillis());
        long start = System.nanoTime();
        long end = start + plan.ramp().toNanos() + plan.measure().toNanos();
        run.end = end;
        try {
            for (int l = 0; l < loops; l++) {
                int loop = l;
                contexts[l].runOnContext(v -> {
                    for (int i = loop; i < plan.streams(); i += loops) {
                        long delayMs = plan.ramp().toMillis() * i / plan.streams();
                        if (delayMs < 1) run.first();
                        else vertx.setTimer(delayMs, t -> run.first());
                    }
                });
            }
            // at the peak: after the ramp plus half of the measured time (capped at 3 s, about when streams turn over)
            long peakAt = start + plan.ramp().toNanos() + Math.min(plan.measure().toNanos() / 2, TimeUnit.SECONDS.toNanos(3));
            sleepUntil(peakAt);
            atPeak.run();
            sleepUntil(end);
            long deadline = end + plan.grace().toNanos();
            while (System.nanoTime() < deadline && run.open > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            return run.finish();
        } finally {
            ConstantRate.closeQuietly(client);
        }
    }

    private static void sleepUntil(long nanos) {
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** What the streams did. */
    public record Counts(int peakOpen, long completed, Map<String, Long> failures,
                         double ttfbP50Millis, double ttfbP99Millis, double durationP99Millis) {
    }

    /** State of one run, shared by the event loops (its counters under its lock). */
    private static final class Run {
        private final Vertx vertx;
        private final HttpClient client;
        private final long retryDelayMs;
        private final RequestOptions options;
        private final Buffer body;
        private final Histogram ttfb = new Histogram(1, TimeUnit.MINUTES.toMicros(10), 3);
        private final Histogram duration = new Histogram(1, TimeUnit.MINUTES.toMicros(10), 3);
        private final Map<String, Long> failures = new TreeMap<>();
        private volatile long end;
        private long completed;
        private volatile int open;
        private int peakOpen;
        private boolean finished;

        Run(Vertx vertx, HttpClient client, RequestOptions options, Buffer body, long retryDelayMs) {
            this.vertx = vertx;
            this.client = client;
            this.retryDelayMs = retryDelayMs;
            this.options = options;
            this.body = body;
        }

        /** A worker's first stream: always opened (late, if this machine is too busy to keep to the ramp). */
        void first() {
            open(false);
        }

        /** A worker's next stream, unless the measured time is over. */
        void next() {
            open(true);
        }

        private void open(boolean unlessOver) {
            synchronized (this) {
                if (finished || (unlessOver && System.nanoTime() >= end)) return;
                open++;
                peakOpen = Math.max(peakOpen, open);
            }
            long started = System.nanoTime();
            client.request(options)
                    .compose(req -> req.send(body))
                    .onSuccess(resp -> read(resp, started))
                    .onFailure(e -> done(started, Failures.io(e)));
        }

        private void read(HttpClientResponse resp, long started) {
            if (resp.statusCode() != 200) {
                resp.body().onComplete(b -> done(started,
                        Failures.http(resp.statusCode(), b.succeeded() ? b.result().toString() : "")));
                return;
            }
            SseScanner sse = new SseScanner();
            boolean[] first = {true};
            boolean[] over = {false};
            resp.handler(chunk -> {
                if (first[0]) {
                    first[0] = false;
                    long micros = clamp((System.nanoTime() - started) / 1_000);
                    synchronized (this) {
                        ttfb.recordValue(micros);
                    }
                }
                sse.feed(chunk.getBytes());
            });
            resp.exceptionHandler(e -> {
                if (over[0]) return;
                over[0] = true;
                done(started, Failures.io(e));
            });
            resp.endHandler(v -> {
                if (over[0]) return;
                over[0] = true;
                if (sse.errorCode() != null) done(started, "in-stream error " + sse.errorCode());
                else if (!sse.done()) done(started, "stream ended without [DONE]");
                else done(started, null);
            });
        }

        private void done(long started, String failure) {
            synchronized (this) {
                open--;
                if (finished) return;
                if (failure == null) {
                    completed++;
                    duration.recordValue(clamp((System.nanoTime() - started) / 1_000));
                } else {
                    failures.merge(failure, 1L, Long::sum);
                }
            }
            if (failure == null || retryDelayMs < 1) next();
            else vertx.setTimer(retryDelayMs, t -> next());
        }

        private long clamp(long micros) {
            return Math.max(1, Math.min(ttfb.getHighestTrackableValue(), micros));
        }

        synchronized Counts finish() {
            finished = true;
            if (open > 0) failures.merge("unfinished at the end of the grace period", (long) open, Long::sum);
            return new Counts(peakOpen, completed, Map.copyOf(failures), millis(ttfb, 50), millis(ttfb, 99),
                    millis(duration, 99));
        }

        private static double millis(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1_000.0;
        }
    }
}
