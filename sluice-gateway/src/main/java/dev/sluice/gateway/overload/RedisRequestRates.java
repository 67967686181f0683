package dev.sluice.gateway.overload;

import dev.sluice.gateway.limits.PipelinedRedis;
import dev.sluice.gateway.limits.RedisScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.util.List;

/** {@link RequestRates} in Redis: one {@code slow-down.lua} call checks and counts, shared by every gateway. */
public final class RedisRequestRates implements RequestRates {
    private final RedisScript script;
    private final String keyPrefix;

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

    @Override
    public Future<SlowDownRule.Verdict> admit(String projectId, long nowMs, SlowDownRule rule) {
        return script.run(List.of(keyPrefix + "sd:" + projectId), List.of(Long.toString(nowMs),
                Long.toString(SlowDownRule.SLOT_MS), Long.toString(rule.floor()), Double.toString(rule.multiplier()),
                Integer.toString(SlowDownRule.RECENT), Integer.toString(SlowDownRule.SLOTS))).map(r ->
                new SlowDownRule.Verdict(r.get(0).toInteger() == 1, r.get(1).toLong(), r.get(2).toLong(),
                        r.get(3).toLong()));
    }
}
