package dev.sluice.gateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The scale-out store: every decision is one {@code EVALSHA} of {@code acquire.lua}, which drains, checks and takes
 * from all of a request's buckets inside Redis, so any number of gateways enforce one limit exactly (no local copy
 * that drifts). The time comes from the calling gateway's clock as an argument; a bucket's stamp never moves
 * backwards, so clock skew between gateways can only delay a refill, never grant it twice.
 */
public final class RedisLimitStore implements LimitStore {
    private final RedisScript acquire;
    private final RedisScript adjust;

    private RedisLimitStore(RedisScript acquire, RedisScript adjust) {
        this.acquire = acquire;
        this.adjust = adjust;
    }

    /** Loads both scripts; the future fails when Redis is unreachable. */
    public static Future<RedisLimitStore> start(Redis redis) {
        RedisScript acq = new RedisScript(redis, RedisLimitStore.class, "acquire.lua");
        RedisScript adj = new RedisScript(redis, RedisLimitStore.class, "adjust.lua");
        return acq.load().compose(v -> adj.load()).map(v -> new RedisLimitStore(acq, adj));
    }

    @Override
    public Future<Levels> acquire(List<Check> checks, long nowMs) {
        return acquire.run(keys(checks), args(checks, nowMs)).map(r -> {
            long[] before = new long[checks.size()];
            for (int i = 0; i < before.length; i++) before[i] = Long.parseLong(r.get(i + 1).toString());
            return new Levels(r.get(0).toInteger() == 1, before);
        });
    }

    @Override
    public Future<Void> adjust(List<Check> checks, long nowMs) {
        if (checks.isEmpty()) return Future.succeededFuture();
        return adjust.run(keys(checks), args(checks, nowMs)).mapEmpty();
    }

    private static List<String> keys(List<Check> checks) {
        List<String> keys = new ArrayList<>(checks.size());
        for (Check c : checks) keys.add(c.key());
        return keys;
    }

    private static List<String> args(List<Check> checks, long nowMs) {
        List<String> args = new ArrayList<>(1 + 3 * checks.size());
        args.add(Long.toString(nowMs));
        for (Check c : checks) {
            args.add(Long.toString(c.capacity()));
            args.add(Long.toString(c.windowMs()));
            args.add(Long.toString(c.cost()));
        }
        return args;
    }
}
