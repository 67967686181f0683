package dev.sluice.gateway.overload;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Ending;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.usage.Outcome;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;

/**
 * Bounds the requests in flight to the upstreams with an adaptive concurrency limit (Netflix concurrency-limits:
 * Gradient2 or Vegas learn it from latency; or a fixed one). A request over the limit waits in a short FIFO queue
 * until a slot frees or its deadline passes; when the queue is full or the deadline passes it gets 503
 * server_overloaded with retry-after, at once rather than after a pile-up of timeouts. Nothing here blocks: waiters
 * are promises and deadlines are event-loop timers.
 *
 * <p>Streams take no adaptive slot, neither while they wait for their first byte nor after it: the adaptive limit is
 * for unary requests and learns from their latency only. A stream's time to first byte is the upstream's thinking time
 * (tens of seconds for a reasoning model) and its length is the caller's {@code max_tokens}; neither compares with a
 * 200 ms unary answer, and by Little's law thousands of slow first bytes would fill any limit sized for unary calls.
 * Open streams, from admission to their end, have a budget of their own, {@code overload.max_streams}: a stream
 * beyond it gets the same 503 server_overloaded with retry-after at once, before anything goes upstream.
 */
public final class AdmissionControl implements Stage {
    private final Vertx vertx;
    private final SimpleLimiter<Void> limiter;
    private final int queueSize;
    private final long queueTimeoutMs;
    private final String retryAfter;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final Counter shedFull;
    private final Counter shedDeadline;
    private final Counter shedStreams;
    private final int maxStreams;
    private final java.util.concurrent.atomic.AtomicInteger openStreams = new java.util.concurrent.atomic.AtomicInteger();

    private static final class Waiter {
        final Promise<Limiter.Listener> promise = Promise.promise();
        final Context context = Vertx.currentContext();
        long timer = -1;
    }

    public AdmissionControl(Vertx vertx, SluiceConfig.Overload cfg, MeterRegistry metrics) {
        this(vertx, cfg, metrics, System::nanoTime);
    }

    /** {@code nanoClock} times each request's round trip for the limit algorithm (a fake clock in tests). */
    AdmissionControl(Vertx vertx, SluiceConfig.Overload cfg, MeterRegistry metrics,
                     java.util.function.LongSupplier nanoClock) {
        this.vertx = vertx;
        this.limiter = SimpleLimiter.newBuilder().named("sluice").limit(limit(cfg)).clock(nanoClock::getAsLong).build();
        this.queueSize = cfg.queueSize();
        this.queueTimeoutMs = cfg.queueTimeoutMs();
        this.retryAfter = Integer.toString(cfg.retryAfterSeconds());
        this.shedFull = metrics.counter("sluice_admission_shed", "reason", "queue_full");
        this.shedDeadline = metrics.counter("sluice_admission_shed", "reason", "queue_timeout");
        this.shedStreams = metrics.counter("sluice_admission_shed", "reason", "max_streams");
        this.maxStreams = cfg.maxStreams();
        metrics.gauge("sluice_admission_open_streams", openStreams);
        metrics.gauge("sluice_admission_limit", limiter, SimpleLimiter::getLimit);
        metrics.gauge("sluice_admission_in_flight", limiter, SimpleLimiter::getInflight);
        metrics.gauge("sluice_admission_queued", queue, q -> queued());
    }

    static Limit limit(SluiceConfig.Overload cfg) {
        return switch (cfg.algorithm()) {
            case FIXED -> FixedLimit.of(cfg.maxLimit());
            case VEGAS -> new FloorLimit(VegasLimit.newBuilder().initialLimit(cfg.initialLimit())
                    .maxConcurrency(cfg.maxLimit()).build(), cfg.minLimit());
            case GRADIENT2 -> Gradient2Limit.newBuilder().initialLimit(cfg.initialLimit()).minLimit(cfg.minLimit())
                    .maxConcurrency(cfg.maxLimit()).build();
        };
    }

    @Override
    public StageOrder order() {
        return StageOrder.ADMISSION_CONTROL;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (!ex.stream()) return admit(ex, next);
        if (openStreams.incrementAndGet() > maxStreams) {
            openStreams.decrementAndGet();
            shedStreams.increment();
            return Future.failedFuture(overloaded());
        }
        // No adaptive slot: the stream counts against max_streams from here to its end (the chain's future always
        // succeeds; an error is an Answer.Failed, which ends too).
        return Futures.whenDone(next.proceed(ex), e -> openStreams.decrementAndGet());
    }

    /** Streams admitted and not yet ended. */
    int openStreams() {
        return openStreams.get();
    }

    private Future<Answer> admit(Exchange ex, Chain next) {
        Optional<Limiter.Listener> slot = tryAcquire();
        if (slot.isPresent()) return admitted(ex, slot.get(), next);
        Waiter w = new Waiter();
        synchronized (queue) {
            if (queue.size() >= queueSize) {
                shedFull.increment();
                return Future.failedFuture(overloaded());
            }
            queue.add(w);
        }
        w.timer = vertx.setTimer(queueTimeoutMs, t -> {
            boolean removed;
            synchronized (queue) {
                removed = queue.remove(w);
            }
            if (removed) {
                shedDeadline.increment();
                w.promise.tryFail(overloaded());
            }
        });
        // A caller that leaves while queued gives its place up at once; its request never reaches the upstream.
        ex.cancelled().onSuccess(v -> {
            boolean removed;
            synchronized (queue) {
                removed = queue.remove(w);
            }
            if (removed) {
                vertx.cancelTimer(w.timer);
                w.promise.tryFail(overloaded());
            }
        });
        // A slot may have freed between the failed acquire and joining the queue.
        admitWaiting();
        return w.promise.future().compose(listener -> admitted(ex, listener, next));
    }

    /** The concurrency limit in force now (the algorithm's current estimate). */
    int currentLimit() {
        return limiter.getLimit();
    }

    /** A slot as a request gets it, and its release as a finished request gives it back (tests of the algorithm). */
    Optional<Limiter.Listener> acquireForTest() {
        return tryAcquire();
    }

    static void releaseForTest(Limiter.Listener listener, Ending ending) {
        release(listener, ending);
    }

    private Optional<Limiter.Listener> tryAcquire() {
        synchronized (queue) {
            // Queued requests go first: a newcomer may not overtake them.
            if (!queue.isEmpty()) return Optional.empty();
            return limiter.acquire(null);
        }
    }

    /** Holds the slot until the request has ended (a caller that left while queued gets no further stage). */
    private Future<Answer> admitted(Exchange ex, Limiter.Listener listener, Chain next) {
        return Futures.whenDone(next.proceed(ex), ending -> {
            release(listener, ending);
            admitWaiting();
        });
    }

    /**
     * Feeds the limit algorithm when a request ends: a completed answer is a latency sample; an upstream timeout or
     * overload is a drop (the limit shrinks); anything else (client errors, cancellations) teaches nothing.
     */
    private static void release(Limiter.Listener listener, Ending r) {
        if (r.status() == 504 || r.status() == 503) listener.onDropped();
        else if (r.outcome() == Outcome.COMPLETED) listener.onSuccess();
        else listener.onIgnore();
    }

    /** Hands free slots to queued requests, oldest first, each on its own event loop. */
    private void admitWaiting() {
        while (true) {
            Waiter w;
            Limiter.Listener l;
            synchronized (queue) {
                w = queue.peek();
                if (w == null) return;
                Optional<Limiter.Listener> slot = limiter.acquire(null);
                if (slot.isEmpty()) return;
                queue.poll();
                l = slot.get();
            }
            vertx.cancelTimer(w.timer);
            Limiter.Listener granted = l;
            Runnable complete = () -> {
                if (!w.promise.tryComplete(granted)) granted.onIgnore();
            };
            if (w.context != null) w.context.runOnContext(v -> complete.run());
            else complete.run();
        }
    }

    private int queued() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private ApiException overloaded() {
        return ApiException.of(ErrorKind.SERVER_OVERLOADED).withHeaders(Map.of(Headers.RETRY_AFTER, retryAfter));
    }
}
