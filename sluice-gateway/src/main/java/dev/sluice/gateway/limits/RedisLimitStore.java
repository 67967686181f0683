package dev.sluice.gateway.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scale-out store: decisions and corrections run inside Redis in {@code acquire.lua}, which drains, checks and
 * takes from all of a request's buckets (every scope and kind) atomically, so any number of gateways enforce one
 * limit exactly (no local copy that drifts). The time comes from the calling gateway's clock as an argument; a
 * bucket's stamp never moves backwards, so clock skew between gateways can only delay a refill, never grant it twice.
 *
 * <p>Work is sent in rounds, one series of rounds per event loop: one {@code EVALSHA} is in flight per loop (plus, at
 * most, one carrying only corrections); what arrives on that loop meanwhile (decisions in arrival order, corrections
 * merged per bucket with their deltas summed) goes in the loop's next call, sent as soon as the previous one returns.
 * A loop's rounds go out on its own connection and their replies are read on it, so every answer completes on the
 * loop that asked, without a task handed to another loop (a round shared by two loops completed about 40 % of its
 * decisions and corrections across threads). Callers off an event loop share one more series. An idle gateway
 * therefore sends each request's decision at once (one round trip, as before); a busy one sends one script call per
 * round trip and loop for many requests, and a bucket that those requests share is read and written once per call
 * instead of once per request.
 * Each decision is still all-or-nothing and decided in order against the state the previous ones left. A
 * correction's future completes when Redis has applied it.
 */
public final class RedisLimitStore implements LimitStore {
    /** Decisions per script call; more waiting go in the next call. */
    static final int MAX_DECISIONS_PER_CALL = 256;

    private final RedisScript script;
    private final PipelinedRedis pipe;
    private final boolean ownsPipe;
    /** The rounds of each event loop, touched only from that loop. */
    private final ConcurrentHashMap<Thread, Rounds> loops = new ConcurrentHashMap<>();
    /** The rounds of callers off an event loop (start-up, workers, tests). */
    private final Rounds offLoop = new Rounds();

    private RedisLimitStore(RedisScript script, PipelinedRedis pipe, boolean ownsPipe) {
        this.script = script;
        this.pipe = pipe;
        this.ownsPipe = ownsPipe;
    }

    /** Loads the script; commands go through the client's pool. The future fails when Redis is unreachable. */
    public static Future<RedisLimitStore> start(Redis redis) {
        return start(new PipelinedRedis(redis, 0), true);
    }

    /** Loads the script; commands go through {@code pipe}. The future fails when Redis is unreachable. */
    public static Future<RedisLimitStore> start(PipelinedRedis pipe) {
        return start(pipe, false);
    }

    private static Future<RedisLimitStore> start(PipelinedRedis pipe, boolean owns) {
        RedisScript s = new RedisScript(pipe, RedisLimitStore.class, "acquire.lua");
        return s.load().map(v -> new RedisLimitStore(s, pipe, owns));
    }

    @Override
    public Future<Levels> acquire(List<Check> checks, long nowMs) {
        Context ctx = Vertx.currentContext();
        Promise<Levels> promise = promiseOn(ctx);
        rounds(ctx).add(new Decision(checks, nowMs, promise), null, 0);
        return promise.future();
    }

    @Override
    public Future<Void> adjust(List<Check> checks, long nowMs) {
        if (checks.isEmpty()) return Future.succeededFuture();
        Context ctx = Vertx.currentContext();
        Promise<Void> promise = promiseOn(ctx);
        rounds(ctx).add(null, new Correction(checks, promise), nowMs);
        return promise.future();
    }

    /** The calling event loop's rounds, or the shared ones off a loop. */
    private Rounds rounds(Context ctx) {
        if (ctx == null || !ctx.isEventLoopContext()) return offLoop;
        Thread loop = Thread.currentThread();
        Rounds r = loops.get(loop);
        return r != null ? r : loops.computeIfAbsent(loop, t -> new Rounds());
    }

    /** How many event loops have sent work (for tests). */
    int loops() {
        return loops.size();
    }

    @Override
    public void close() {
        if (ownsPipe) pipe.close();
    }

    private record Decision(List<Check> checks, long nowMs, Promise<Levels> promise) {}

    private record Correction(List<Check> checks, Promise<Void> promise) {}

    /** One bucket's merged correction: the latest limit and time, and the sum of the deltas (may be negative). */
    private static final class Pending {
        final long windowMs;
        long capacity;
        long delta;
        long nowMs = Long.MIN_VALUE;

        Pending(Check c) {
            this.windowMs = c.windowMs();
        }

        void add(Check c, long now) {
            capacity = c.capacity();
            delta += c.cost();
            nowMs = Math.max(nowMs, now);
        }
    }

    /**
     * One script call's keys and integer arguments. Each key gets a slot with the capacity and window of its first
     * use; a later use with another limit (changed while the round gathered) carries its own after a negated slot.
     */
    private static final class Args {
        private final Map<String, Integer> slots = new LinkedHashMap<>();
        private final List<long[]> limits = new ArrayList<>();
        long[] values;
        int size;

        Args(Round round) {
            values = new long[8 + 3 * round.corrections().size() + 14 * round.decisions().size()];
        }

        /** The key's slot (made with this limit on its first use), its capacity and window written after the base. */
        void slot(String key, long capacity, long windowMs) {
            if (slots.containsKey(key)) return;
            slots.put(key, slots.size() + 1); // Lua's KEYS start at 1
            add(capacity);
            add(windowMs);
            limits.add(new long[] {capacity, windowMs});
        }

        void bucket(String key, long capacity, long windowMs) {
            int i = slots.get(key);
            long[] l = limits.get(i - 1);
            if (l[0] == capacity && l[1] == windowMs) {
                add(i);
            } else {
                add(-i);
                add(capacity);
                add(windowMs);
            }
        }

        void add(long v) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        List<String> keys() {
            return new ArrayList<>(slots.keySet());
        }
    }

    /** What one script call carries, and who waits for it. */
    private record Round(List<Decision> decisions, Map<String, Pending> corrections, List<Promise<Void>> corrected) {}

    /**
     * The work not yet sent by one event loop (or by the callers off a loop). One round is in flight at a time, and
     * the next takes what arrived meanwhile; the one exception is a decision arriving while only corrections are
     * out: it goes at once (with any corrections waiting) rather than wait a round trip behind them, so a lone
     * request never waits for its predecessor's correction. A loop's next round is sent from its reply's callback,
     * which runs on that loop, so the lock is never contended there; off a loop it orders the callers.
     */
    private final class Rounds {
        private List<Decision> decisions = new ArrayList<>();
        private Map<String, Pending> corrections = new LinkedHashMap<>();
        private List<Promise<Void>> corrected = new ArrayList<>();
        private int inFlight;
        private boolean decisionsInFlight;

        void add(Decision decision, Correction correction, long correctionNowMs) {
            Round round;
            synchronized (this) {
                if (decision != null) decisions.add(decision);
                if (correction != null) {
                    for (Check c : correction.checks()) {
                        corrections.computeIfAbsent(c.key(), k -> new Pending(c)).add(c, correctionNowMs);
                    }
                    corrected.add(correction.promise());
                }
                round = next();
            }
            if (round != null) send(round);
        }

        /**
         * Under the lock: the round to send now, or null when the rounds in flight will take the waiting work when
         * they return (a returning round always calls this again).
         */
        private Round next() {
            if (decisions.isEmpty() && corrected.isEmpty()) return null;
            boolean go = inFlight == 0 || !decisions.isEmpty() && !decisionsInFlight;
            if (!go) return null;
            Round r = take();
            inFlight++;
            if (!r.decisions().isEmpty()) decisionsInFlight = true;
            return r;
        }

        /** Takes the waiting work (under the lock); decisions beyond one call's share wait for the next round. */
        private Round take() {
            List<Decision> d;
            if (decisions.size() <= MAX_DECISIONS_PER_CALL) {
                d = decisions;
                decisions = new ArrayList<>();
            } else {
                d = new ArrayList<>(decisions.subList(0, MAX_DECISIONS_PER_CALL));
                decisions = new ArrayList<>(decisions.subList(MAX_DECISIONS_PER_CALL, decisions.size()));
            }
            Round r = new Round(d, corrections, corrected);
            corrections = new LinkedHashMap<>();
            corrected = new ArrayList<>();
            return r;
        }

        private void send(Round round) {
            Future<Response> call;
            try {
                call = call(round);
            } catch (RuntimeException e) {
                call = Future.failedFuture(e);
            }
            call.onComplete(ar -> {
                try {
                    if (ar.succeeded()) answer(round, ar.result());
                    else fail(round, ar.cause());
                } catch (RuntimeException e) {
                    fail(round, e);
                }
                Round next;
                synchronized (this) {
                    inFlight--;
                    if (!round.decisions().isEmpty()) decisionsInFlight = false;
                    next = next();
                }
                if (next != null) send(next);
            });
        }

        /** The round as {@code acquire.lua}'s arguments (see the script for their layout). */
        private Future<Response> call(Round round) {
            Args a = new Args(round);
            long base = round.decisions().isEmpty() ? round.corrections().values().iterator().next().nowMs
                    : round.decisions().getFirst().nowMs();
            a.add(base);
            for (Map.Entry<String, Pending> e : round.corrections().entrySet()) {
                Pending p = e.getValue();
                a.slot(e.getKey(), p.capacity, p.windowMs);
            }
            for (Decision d : round.decisions()) {
                for (Check c : d.checks()) a.slot(c.key(), c.capacity(), c.windowMs());
            }
            a.add(round.corrections().size());
            for (Map.Entry<String, Pending> e : round.corrections().entrySet()) {
                Pending p = e.getValue();
                a.bucket(e.getKey(), p.capacity, p.windowMs);
                a.add(p.delta);
                a.add(p.nowMs - base);
            }
            a.add(round.decisions().size());
            for (Decision d : round.decisions()) {
                a.add(d.nowMs() - base);
                a.add(d.checks().size());
                for (Check c : d.checks()) {
                    a.bucket(c.key(), c.capacity(), c.windowMs());
                    a.add(c.cost());
                }
            }
            return script.run(a.keys(), a.values, a.size);
        }

        private static void answer(Round round, Response r) {
            for (Promise<Void> p : round.corrected()) p.tryComplete();
            int at = 0;
            for (Decision d : round.decisions()) {
                boolean admitted = r.get(at++).toInteger() == 1;
                long[] before = new long[d.checks().size()];
                for (int i = 0; i < before.length; i++) before[i] = r.get(at++).toLong();
                d.promise().tryComplete(new Levels(admitted, before));
            }
        }

        private static void fail(Round round, Throwable cause) {
            for (Promise<Void> p : round.corrected()) p.tryFail(cause);
            for (Decision d : round.decisions()) d.promise().tryFail(cause);
        }
    }

    /** A promise whose listeners run on the caller's context (its event loop), as a Redis reply's would. */
    private static <T> Promise<T> promiseOn(Context ctx) {
        return ctx instanceof ContextInternal ci ? ci.promise() : Promise.promise();
    }
}
