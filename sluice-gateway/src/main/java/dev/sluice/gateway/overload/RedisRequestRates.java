package dev.sluice.gateway.overload;

import dev.sluice.gateway.limits.PipelinedRedis;
import dev.sluice.gateway.limits.RedisScript;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link RequestRates} in Redis: {@code slow-down.lua} checks and counts, shared by every gateway. Checks are sent in
 * rounds, as the rate limits' are: one script call is in flight at a time, and the checks that arrive meanwhile go
 * together in the next one, which runs them in arrival order (each exactly as if alone). An idle gateway sends each
 * check at once; a busy one, one call per round trip.
 */
public final class RedisRequestRates implements RequestRates {
    /** Checks per script call; more waiting go in the next call. */
    static final int MAX_PER_CALL = 256;

    private final RedisScript script;
    private final String keyPrefix;
    private List<Pending> waiting = new ArrayList<>();
    private boolean inFlight;

    private RedisRequestRates(RedisScript script, String keyPrefix) {
        this.script = script;
        this.keyPrefix = keyPrefix;
    }

    public static Future<RedisRequestRates> start(Redis redis, String keyPrefix) {
        return start(new PipelinedRedis(redis, 0), keyPrefix);
    }

    /** Loads the script; commands go through {@code pipe} (the calling event loop's connection). */
    public static Future<RedisRequestRates> start(PipelinedRedis pipe, String keyPrefix) {
        RedisScript s = new RedisScript(pipe, RedisRequestRates.class, "slow-down.lua");
        return s.load().map(v -> new RedisRequestRates(s, keyPrefix == null ? "" : keyPrefix));
    }

    private record Pending(String key, long nowMs, SlowDownRule rule, Promise<SlowDownRule.Verdict> promise) {}

    @Override
    public Future<SlowDownRule.Verdict> admit(String projectId, long nowMs, SlowDownRule rule) {
        Context ctx = Vertx.currentContext();
        Promise<SlowDownRule.Verdict> promise = ctx instanceof ContextInternal ci ? ci.promise() : Promise.promise();
        List<Pending> round;
        synchronized (this) {
            waiting.add(new Pending(keyPrefix + "sd:" + projectId, nowMs, rule, promise));
            if (inFlight) return promise.future();
            inFlight = true;
            round = take();
        }
        send(round);
        return promise.future();
    }

    /** Under the lock: up to one call's share of the waiting checks. */
    private List<Pending> take() {
        List<Pending> r;
        if (waiting.size() <= MAX_PER_CALL) {
            r = waiting;
            waiting = new ArrayList<>();
        } else {
            r = new ArrayList<>(waiting.subList(0, MAX_PER_CALL));
            waiting = new ArrayList<>(waiting.subList(MAX_PER_CALL, waiting.size()));
        }
        return r;
    }

    private void send(List<Pending> round) {
        Future<Response> call;
        try {
            call = call(round);
        } catch (RuntimeException e) {
            call = Future.failedFuture(e);
        }
        call.onComplete(ar -> {
            if (ar.succeeded()) {
                try {
                    Response r = ar.result();
                    for (int i = 0; i < round.size(); i++) {
                        round.get(i).promise().tryComplete(new SlowDownRule.Verdict(r.get(4 * i).toInteger() == 1,
                                r.get(4 * i + 1).toLong(), r.get(4 * i + 2).toLong(), r.get(4 * i + 3).toLong()));
                    }
                } catch (RuntimeException e) {
                    for (Pending p : round) p.promise().tryFail(e);
                }
            } else {
                for (Pending p : round) p.promise().tryFail(ar.cause());
            }
            List<Pending> next;
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

    private Future<Response> call(List<Pending> round) {
        Map<String, Integer> index = new LinkedHashMap<>();
        List<String> args = new ArrayList<>(4 + 4 * round.size());
        args.add(Long.toString(SlowDownRule.SLOT_MS));
        args.add(Integer.toString(SlowDownRule.RECENT));
        args.add(Integer.toString(SlowDownRule.SLOTS));
        args.add(Integer.toString(round.size()));
        for (Pending p : round) {
            Integer i = index.get(p.key());
            if (i == null) index.put(p.key(), i = index.size() + 1);
            args.add(Integer.toString(i));
            args.add(Long.toString(p.nowMs()));
            args.add(Long.toString(p.rule().floor()));
            args.add(Double.toString(p.rule().multiplier()));
        }
        return script.run(new ArrayList<>(index.keySet()), args);
    }
}
