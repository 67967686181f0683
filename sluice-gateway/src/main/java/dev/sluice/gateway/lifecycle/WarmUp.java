package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.config.SluiceConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Warm before serving: {@code /health/ready} stays 503 until the hot path has run, so a fresh instance behind a load
 * balancer does not serve its first seconds at JIT-interpreter latency. It sends chat requests, plain and streamed,
 * {@code server.warmup.concurrency} at a time, over loopback HTTP through a private copy of the request path
 * ({@link Path}: same classes, private state, an internal simulator upstream): at least {@code min_requests}, then
 * until the JIT compilers have settled (they used less than {@code settle_cores} of a core over the last second, read
 * from the JVM's compilation time), or {@code max_requests} were answered, or {@code max_ms} passed. A fixed count
 * cannot fit every machine: 3,000 requests left the C2 compiler busy for seconds after readiness on a 2-core machine,
 * and what the compilers still had to do then slowed the first callers. Whatever happens (the private path fails to
 * open, requests fail), readiness follows at the bound: the warm-up can delay serving, never prevent it. Liveness is
 * not affected.
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /** Opens the private request path the warm-up drives. */
    public interface Path {
        Future<Target> open();
    }

    /** A private request path listening on loopback {@code port}, taking only {@code key}, serving {@code models}. */
    public record Target(int port, String key, List<String> models, Supplier<Future<Void>> close) {}

    private enum State { WAITING, RUNNING, DONE }

    private final Vertx vertx;
    private final SluiceConfig.Warmup cfg;
    private final LongSupplier nanos;
    private final LongSupplier jitMillis;
    /** How often the compilers' activity is read for {@code settle_cores}. */
    public static final long SETTLE_WINDOW_MS = 1000;
    private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final Promise<Void> done = Promise.promise();
    private final Promise<Void> pathClosed = Promise.promise(); // the private path, once opened, is closed again
    private volatile long startNanos;
    private volatile String firstFailure;
    private volatile String endedBy; // why the requests stopped, for the log

    private WarmUp(Vertx vertx, SluiceConfig.Warmup cfg, LongSupplier nanos, LongSupplier jitMillis) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.nanos = nanos;
        this.jitMillis = jitMillis;
    }

    /** Milliseconds the JIT compilers have spent so far (the JVM's compilation bean); -1 where it is not measured. */
    public static long jitMillis() {
        java.lang.management.CompilationMXBean b = java.lang.management.ManagementFactory.getCompilationMXBean();
        return b != null && b.isCompilationTimeMonitoringSupported() ? b.getTotalCompilationTime() : -1;
    }

    /**
     * Starts the warm-up once {@code gate} completes (tests hold it to see readiness before; production passes a
     * completed future). When {@code server.warmup.enabled} is false the gateway is ready at once.
     */
    public static WarmUp start(Vertx vertx, SluiceConfig.Warmup cfg, Path path, Future<Void> gate, LongSupplier nanos) {
        return start(vertx, cfg, path, gate, nanos, WarmUp::jitMillis);
    }

    /** As above, reading the compilers' time spent from {@code jitMillis} (tests drive it). */
    public static WarmUp start(Vertx vertx, SluiceConfig.Warmup cfg, Path path, Future<Void> gate, LongSupplier nanos,
                               LongSupplier jitMillis) {
        WarmUp w = new WarmUp(vertx, cfg, nanos, jitMillis);
        if (!cfg.enabled()) {
            w.finish();
            w.pathClosed.tryComplete();
            return w;
        }
        Context context = vertx.getOrCreateContext();
        (gate == null ? Future.<Void>succeededFuture() : gate).onComplete(g -> context.runOnContext(v -> w.run(path)));
        return w;
    }

    /** True once the warm-up has finished (or is off). */
    public boolean ready() {
        return state.get() == State.DONE;
    }

    /** Completes when the warm-up has finished. */
    public Future<Void> done() {
        return done.future();
    }

    /** Why {@code /health/ready} is not ready yet, as its JSON body. */
    public JsonObject notReady() {
        long elapsed = state.get() == State.RUNNING ? (nanos.getAsLong() - startNanos) / 1_000_000 : 0;
        return new JsonObject().put("status", "warming_up")
                .put("reason", "the request path is being exercised before taking traffic (server.warmup)")
                .put("warmup", new JsonObject().put("state", state.get().name().toLowerCase(java.util.Locale.ROOT))
                        .put("answered", answered.get()).put("min_requests", cfg.minRequests())
                        .put("max_requests", cfg.maxRequests()).put("settle_cores", cfg.settleCores())
                        .put("elapsed_ms", elapsed).put("max_ms", cfg.maxMs()));
    }

    private void run(Path path) {
        startNanos = nanos.getAsLong();
        state.set(State.RUNNING);
        long bound = vertx.setTimer(cfg.maxMs(), t -> {
            if (!ready() && endedBy == null) endedBy = "max_ms reached";
            finish();
        });
        path.open().onComplete(opened -> {
            if (opened.failed()) {
                LOG.warn("warm-up: the private request path did not open ({}); ready without warm-up",
                        opened.cause().toString());
                vertx.cancelTimer(bound);
                finish();
                pathClosed.tryComplete();
                return;
            }
            Target target = opened.result();
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                    .setDefaultHost("127.0.0.1").setDefaultPort(target.port()),
                    new PoolOptions().setHttp1MaxSize(cfg.concurrency()));
            long settle = watchCompilers();
            AtomicInteger workers = new AtomicInteger(cfg.concurrency());
            Runnable workerDone = () -> {
                if (workers.decrementAndGet() > 0) return;
                vertx.cancelTimer(bound);
                if (settle >= 0) vertx.cancelTimer(settle);
                client.close().eventually(() -> target.close().get()).onComplete(c -> {
                    finish();
                    pathClosed.tryComplete();
                });
            };
            for (int i = 0; i < cfg.concurrency(); i++) next(client, target, workerDone);
        });
    }

    /**
     * Every {@link #SETTLE_WINDOW_MS}, reads how much of a core the JIT compilers used since the last reading; once
     * {@code min_requests} were answered and that is below {@code settle_cores}, the workers stop. Returns the
     * timer, or -1 when there is no such end (settle_cores 0, or a JVM that does not measure compilation time).
     */
    private long watchCompilers() {
        long first = jitMillis.getAsLong();
        if (cfg.settleCores() <= 0 || first < 0) return -1;
        long[] last = {nanos.getAsLong(), first};
        return vertx.setPeriodic(SETTLE_WINDOW_MS, id -> {
            long now = nanos.getAsLong();
            long spent = jitMillis.getAsLong();
            double cores = (spent - last[1]) * 1e6 / Math.max(1, now - last[0]);
            last[0] = now;
            last[1] = spent;
            boolean enough = answered.get() >= Math.min(cfg.minRequests(), cfg.maxRequests());
            if (endedBy == null && enough && cores < cfg.settleCores()) {
                endedBy = String.format(java.util.Locale.ROOT,
                        "the JIT compilers settled: %.2f cores over the last second", cores);
            }
        });
    }

    /** One worker: sends the next request until the JIT settled, or the count or the time bound is reached. */
    private void next(HttpClient client, Target target, Runnable workerDone) {
        if (ready() || endedBy != null) {
            workerDone.run();
            return;
        }
        int n = sent.getAndIncrement();
        if (n >= cfg.maxRequests()) {
            endedBy = "max_requests reached";
            workerDone.run();
            return;
        }
        boolean stream = n % 4 == 3;
        String model = target.models().get(n % target.models().size());
        Future<io.vertx.core.http.HttpClientRequest> request;
        try {
            request = client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
                    .putHeader("authorization", "Bearer " + target.key())
                    .putHeader("content-type", "application/json"));
        } catch (IllegalStateException closed) {
            // the gateway is stopping (Vert.x closed the client under the warm-up): nothing to warm any more
            if (endedBy == null) endedBy = "stopped";
            workerDone.run();
            return;
        }
        request.compose(req -> req.send(body(model, n, stream)))
                .compose(res -> res.body().map(b -> {
                    if (res.statusCode() != 200 || stream && !b.toString().contains("[DONE]")) {
                        failure(res.statusCode() + " " + b.toString().substring(0, Math.min(200, b.length())));
                    }
                    return b;
                }))
                .onComplete(r -> {
                    answered.incrementAndGet();
                    if (r.failed()) failure(r.cause().toString());
                    next(client, target, workerDone);
                });
    }

    private void failure(String what) {
        failed.incrementAndGet();
        if (firstFailure == null) firstFailure = what;
    }

    /** A small chat request whose prompt varies in length and content, as real traffic does. */
    static Buffer body(String model, int n, boolean stream) {
        StringBuilder user = new StringBuilder("Summarise request ").append(n).append(": ");
        for (int i = 0; i < 1 + n % 7; i++) user.append("the quick brown fox jumps over the lazy dog ").append(i).append(". ");
        return new JsonObject().put("model", model)
                .put("messages", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("role", "system").put("content", "You are a helpful assistant."))
                        .add(new JsonObject().put("role", "user").put("content", user.toString())))
                .put("max_tokens", 16).put("stream", stream).toBuffer();
    }

    private void finish() {
        State before = state.getAndSet(State.DONE);
        if (before == State.DONE) return;
        if (cfg.enabled()) {
            long ms = (nanos.getAsLong() - startNanos) / 1_000_000;
            if (failed.get() > 0) {
                LOG.warn("warm-up: {} of {} requests failed (first: {}); ready anyway", failed.get(), answered.get(),
                        firstFailure);
            }
            LOG.info("warm-up: {} requests in {} ms ({}); /health/ready is ready", answered.get(), ms,
                    endedBy == null ? "ended" : endedBy);
        }
        done.tryComplete();
    }

    /** Requests the warm-up sent that did not succeed (a test proves the private path really serves). */
    public int failedRequests() {
        return failed.get();
    }

    /**
     * Stops the warm-up's requests (the gateway is stopping while it warms up) and completes once its private path is
     * closed, so nothing of it is in flight when the gateway closes what it shares (Vert.x, its clients).
     */
    public Future<Void> stop() {
        if (endedBy == null) endedBy = "stopped";
        if (state.get() == State.WAITING) pathClosed.tryComplete(); // never started: nothing to close
        return pathClosed.future();
    }

    /** Why the warm-up's requests stopped (the JIT settled, max_requests, max_ms), or null while they go on. */
    public String endedBy() {
        return endedBy;
    }

    /** Requests the warm-up got an answer (or an error) for. */
    public int answeredRequests() {
        return answered.get();
    }
}
