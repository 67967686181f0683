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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * N concurrent streams: N workers, started evenly over a ramp, each opening one stream after another on its own
 * keep-alive HTTP/1.1 connection (so N streams hold N connections, N file descriptors here) until the measured time
 * is over; streams running then may finish within a grace period, the rest count as unfinished. A callback runs once
 * every worker has started and the streams are at their peak (the caller samples the server's memory then).
 */
public final class StreamLoad {
    private StreamLoad() {
    }

    public record Plan(int streams, Duration ramp, Duration measure, Duration grace) {
    }

    public static Counts run(Vertx vertx, String host, int port, BenchRequest request, Plan plan, Runnable atPeak)
            throws Exception {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                        .setMaxInitialLineLength(8192),
                new PoolOptions().setHttp1MaxSize(plan.streams()).setMaxWaitQueueSize(-1));
        Context ctx = vertx.getOrCreateContext();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach(headers::add);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setURI(request.path()).setHeaders(headers).setConnectTimeout(30_000).setIdleTimeout(60_000);
        Run run = new Run(client, options, Buffer.buffer(request.body()));
        long start = System.nanoTime();
        long end = start + plan.ramp().toNanos() + plan.measure().toNanos();
        run.end = end;
        try {
            ctx.runOnContext(v -> {
                for (int i = 0; i < plan.streams(); i++) {
                    long delayMs = plan.ramp().toMillis() * i / plan.streams();
                    if (delayMs < 1) run.next();
                    else vertx.setTimer(delayMs, t -> run.next());
                }
            });
            // at the peak: after the ramp plus half of the measured time (capped at 3 s, about when streams turn over)
            long peakAt = start + plan.ramp().toNanos() + Math.min(plan.measure().toNanos() / 2, TimeUnit.SECONDS.toNanos(3));
            sleepUntil(peakAt);
            atPeak.run();
            sleepUntil(end);
            long deadline = end + plan.grace().toNanos();
            while (System.nanoTime() < deadline && run.open > 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            CompletableFuture<Counts> result = new CompletableFuture<>();
            ctx.runOnContext(v -> result.complete(run.finish()));
            return result.get(10, TimeUnit.SECONDS);
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
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

    /** State of one run; touched only on its event loop (bar {@link #open}, a volatile read). */
    private static final class Run {
        private final HttpClient client;
        private final RequestOptions options;
        private final Buffer body;
        private final Histogram ttfb = new Histogram(1, TimeUnit.MINUTES.toMicros(10), 3);
        private final Histogram duration = new Histogram(1, TimeUnit.MINUTES.toMicros(10), 3);
        private final Map<String, Long> failures = new TreeMap<>();
        private long end;
        private long completed;
        private volatile int open;
        private int peakOpen;
        private boolean finished;

        Run(HttpClient client, RequestOptions options, Buffer body) {
            this.client = client;
            this.options = options;
            this.body = body;
        }

        /** One worker's next stream, unless the measured time is over. */
        void next() {
            if (finished || System.nanoTime() >= end) return;
            long started = System.nanoTime();
            open++;
            peakOpen = Math.max(peakOpen, open);
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
                    ttfb.recordValue(clamp((System.nanoTime() - started) / 1_000));
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
            open--;
            if (finished) return;
            if (failure == null) {
                completed++;
                duration.recordValue(clamp((System.nanoTime() - started) / 1_000));
            } else {
                failures.merge(failure, 1L, Long::sum);
            }
            next();
        }

        private long clamp(long micros) {
            return Math.max(1, Math.min(ttfb.getHighestTrackableValue(), micros));
        }

        Counts finish() {
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
