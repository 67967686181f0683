package dev.sluice.gateway.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scale-out store: every decision is one {@code EVALSHA} of {@code acquire.lua}, which drains, checks and takes
 * from all of a request's buckets (every scope and kind) inside Redis, so any number of gateways enforce one limit
 * exactly (no local copy that drifts). The time comes from the calling gateway's clock as an argument; a bucket's
 * stamp never moves backwards, so clock skew between gateways can only delay a refill, never grant it twice.
 *
 * <p>Corrections ({@link #adjust}) are coalesced: while one {@code adjust.lua} call is in flight, the corrections
 * that arrive meanwhile are merged per bucket (their deltas summed) and sent together when it returns. An idle
 * gateway therefore sends each correction at once, as before; a busy one sends one call per round trip for all of
 * them instead of one per request. A correction's future completes when Redis has applied it.
 */
public final class RedisLimitStore implements LimitStore {
    /** Buckets per {@code adjust.lua} call; a larger batch is split into calls sent together. */
    static final int MAX_KEYS_PER_CALL = 128;

    private final RedisScript acquire;
    private final RedisScript adjust;
    private final PipelinedRedis pipe;
    private final boolean ownsPipe;
    private final Corrections corrections = new Corrections();

    private RedisLimitStore(RedisScript acquire, RedisScript adjust, PipelinedRedis pipe, boolean ownsPipe) {
        this.acquire = acquire;
        this.adjust = adjust;
        this.pipe = pipe;
        this.ownsPipe = ownsPipe;
    }

    /** Loads both scripts; commands go through the client's pool. The future fails when Redis is unreachable. */
    public static Future<RedisLimitStore> start(Redis redis) {
        return start(new PipelinedRedis(redis, 0), true);
    }

    /** Loads both scripts; commands go through {@code pipe}. The future fails when Redis is unreachable. */
    public static Future<RedisLimitStore> start(PipelinedRedis pipe) {
        return start(pipe, false);
    }

    private static Future<RedisLimitStore> start(PipelinedRedis pipe, boolean owns) {
        RedisScript acq = new RedisScript(pipe, RedisLimitStore.class, "acquire.lua");
        RedisScript adj = new RedisScript(pipe, RedisLimitStore.class, "adjust.lua");
        return acq.load().compose(v -> adj.load()).map(v -> new RedisLimitStore(acq, adj, pipe, owns));
    }

    @Override
    public Future<Levels> acquire(List<Check> checks, long nowMs) {
        int n = checks.size();
        List<String> keys = new ArrayList<>(n);
        List<String> args = new ArrayList<>(1 + 3 * n);
        args.add(Long.toString(nowMs));
        for (Check c : checks) {
            keys.add(c.key());
            args.add(Long.toString(c.capacity()));
            args.add(Long.toString(c.windowMs()));
            args.add(Long.toString(c.cost()));
        }
        return acquire.run(keys, args).map(r -> {
            long[] before = new long[n];
            for (int i = 0; i < n; i++) before[i] = Long.parseLong(r.get(i + 1).toString());
            return new Levels(r.get(0).toInteger() == 1, before);
        });
    }

    @Override
    public Future<Void> adjust(List<Check> checks, long nowMs) {
        if (checks.isEmpty()) return Future.succeededFuture();
        return corrections.add(checks, nowMs);
    }

    @Override
    public void close() {
        if (ownsPipe) pipe.close();
    }

    /** One bucket's merged correction: the latest limit, and the sum of the deltas (units, may be negative). */
    private static final class Pending {
        final long windowMs;
        long capacity;
        long delta;

        Pending(Check c) {
            this.windowMs = c.windowMs();
            this.capacity = c.capacity();
        }

        void add(Check c) {
            capacity = c.capacity();
            delta += c.cost();
        }
    }

    /** What one round sends, and who waits for it. */
    private record Round(Map<String, Pending> buckets, long nowMs, List<Promise<Void>> waiting) {}

    /**
     * The corrections not yet sent, merged per bucket, and the callers waiting for them. At most one round is in
     * flight; the next takes everything that arrived meanwhile.
     */
    private final class Corrections {
        private Map<String, Pending> pending = new LinkedHashMap<>();
        private List<Promise<Void>> waiting = new ArrayList<>();
        private long nowMs = Long.MIN_VALUE;
        private boolean inFlight;

        Future<Void> add(List<Check> checks, long now) {
            Promise<Void> promise = promiseOnCaller();
            Round round;
            synchronized (this) {
                for (Check c : checks) pending.computeIfAbsent(c.key(), k -> new Pending(c)).add(c);
                waiting.add(promise);
                nowMs = Math.max(nowMs, now);
                if (inFlight) return promise.future();
                inFlight = true;
                round = take();
            }
            send(round);
            return promise.future();
        }

        private Round take() {
            Round r = new Round(pending, nowMs, waiting);
            pending = new LinkedHashMap<>();
            waiting = new ArrayList<>();
            nowMs = Long.MIN_VALUE;
            return r;
        }

        private void send(Round round) {
            List<Future<?>> calls = new ArrayList<>(1 + round.buckets().size() / MAX_KEYS_PER_CALL);
            List<String> keys = new ArrayList<>(Math.min(round.buckets().size(), MAX_KEYS_PER_CALL));
            List<String> args = new ArrayList<>();
            args.add(Long.toString(round.nowMs()));
            for (Map.Entry<String, Pending> e : round.buckets().entrySet()) {
                Pending p = e.getValue();
                keys.add(e.getKey());
                args.add(Long.toString(p.capacity));
                args.add(Long.toString(p.windowMs));
                args.add(Long.toString(p.delta));
                if (keys.size() == MAX_KEYS_PER_CALL) {
                    calls.add(adjust.run(keys, args));
                    keys = new ArrayList<>(MAX_KEYS_PER_CALL);
                    args = new ArrayList<>();
                    args.add(Long.toString(round.nowMs()));
                }
            }
            if (!keys.isEmpty()) calls.add(adjust.run(keys, args));
            Future.all(calls).onComplete(ar -> {
                for (Promise<Void> p : round.waiting()) {
                    if (ar.succeeded()) p.tryComplete();
                    else p.tryFail(ar.cause());
                }
                Round next;
                synchronized (this) {
                    if (waiting.isEmpty()) {
                        inFlight = false;
                        return;
                    }
                    next = take();
                }
                send(next);
            });
        }
    }

    /** A promise whose listeners run on the caller's context (its event loop), as a Redis reply's would. */
    private static Promise<Void> promiseOnCaller() {
        Context ctx = Vertx.currentContext();
        return ctx instanceof ContextInternal ci ? ci.promise() : Promise.promise();
    }
}
