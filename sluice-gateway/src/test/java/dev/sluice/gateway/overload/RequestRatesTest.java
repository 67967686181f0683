package dev.sluice.gateway.overload;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Slow Down counters in memory and in the real Redis at 127.0.0.1:6379 (never skipped) give the same verdict,
 * with the same counts, for the same history: slow-down.lua keeps the trailing sum of a slot once computed, and this
 * proves it stays what a full recount gives while requests arrive, slots pass and bursts are refused.
 */
class RequestRatesTest {
    static Vertx vertx;
    static Redis redis;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:6379"));
    }

    @AfterAll
    static void stop() {
        get(redis.close());
        get(vertx.close());
    }

    @Test
    void redisCountsDecideExactlyAsTheMemoryCountsOverAnHourOfVaryingTraffic() {
        RequestRates memory = new MemoryRequestRates();
        RequestRates inRedis;
        try {
            inRedis = get(RedisRequestRates.start(redis, "sluice-test-" + UUID.randomUUID() + ":"));
        } catch (RuntimeException e) {
            throw new AssertionError("Redis at 127.0.0.1:6379 is unreachable; the Redis tests never skip", e);
        }
        SlowDownRule rule = new SlowDownRule(20, 4.0);
        Random random = new Random(11);
        long now = 1_773_144_000_000L;
        int refused = 0, admitted = 0;
        for (int i = 0; i < 4_000; i++) {
            // mostly ~30 a minute, with bursts (many requests within a second) and idle gaps of up to 20 minutes
            int mode = random.nextInt(100);
            now += mode < 3 ? random.nextInt(1_200_000) : mode < 20 ? random.nextInt(50) : random.nextInt(4_000);
            String project = random.nextInt(5) == 0 ? "b" : "a";
            SlowDownRule.Verdict m = get(memory.admit(project, now, rule));
            SlowDownRule.Verdict r = get(inRedis.admit(project, now, rule));
            assertThat(r).as("request %d at %d", i, now).isEqualTo(m);
            if (m.admitted()) admitted++;
            else refused++;
        }
        assertThat(refused).as("bursts are refused").isGreaterThan(50);
        assertThat(admitted).isGreaterThan(1_000);
    }

    @Test
    void checksSentTogetherFromAnEventLoopDecideAsIfMadeOneByOne() throws Exception {
        RequestRates memory = new MemoryRequestRates();
        RequestRates inRedis = get(RedisRequestRates.start(redis, "sluice-test-" + UUID.randomUUID() + ":"));
        SlowDownRule rule = new SlowDownRule(30, 4.0);
        long start = 1_773_144_000_000L;
        long[] times = new long[600];
        String[] projects = new String[times.length];
        Random random = new Random(5);
        for (int i = 0; i < times.length; i++) {
            times[i] = start + i * 100L; // a minute of traffic at 10 a second, across slots
            projects[i] = random.nextInt(3) == 0 ? "b" : "a";
        }
        var sent = new java.util.concurrent.CompletableFuture<java.util.List<Future<SlowDownRule.Verdict>>>();
        vertx.runOnContext(v -> {
            java.util.List<Future<SlowDownRule.Verdict>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < times.length; i++) fs.add(inRedis.admit(projects[i], times[i], rule));
            sent.complete(fs);
        });
        java.util.List<Future<SlowDownRule.Verdict>> answers = sent.get(10, TimeUnit.SECONDS);
        int refused = 0;
        for (int i = 0; i < times.length; i++) {
            SlowDownRule.Verdict m = get(memory.admit(projects[i], times[i], rule));
            assertThat(get(answers.get(i))).as("request %d", i).isEqualTo(m);
            if (!m.admitted()) refused++;
        }
        assertThat(refused).as("the floor of 30 a minute binds").isGreaterThan(100);
    }

    static <T> T get(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
