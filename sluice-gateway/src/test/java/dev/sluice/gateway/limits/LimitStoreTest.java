package dev.sluice.gateway.limits;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of a limit store, run against the in-memory store and against the real Redis at 127.0.0.1:6379 (an
 * unreachable Redis fails these tests). Each test uses keys of its own.
 */
class LimitStoreTest {
    enum Kind { MEMORY, REDIS }

    static Vertx vertx;
    static Redis redis;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:6379")
                .setMaxPoolSize(8).setMaxPoolWaiting(10_000));
    }

    @AfterAll
    static void stop() {
        get(redis.close());
        get(vertx.close());
    }

    private final String prefix = "sluice-test-" + HexFormat.of().formatHex(randomBytes()) + ":";

    static LimitStore open(Kind kind) {
        if (kind == Kind.MEMORY) return new MemoryLimitStore();
        try {
            return get(RedisLimitStore.start(redis));
        } catch (RuntimeException e) {
            throw new AssertionError("Redis at 127.0.0.1:6379 is unreachable; the Redis store tests never skip", e);
        }
    }

    private Check check(String name, LimitKind kind, long capacity, long cost) {
        return new Check(prefix + name, kind, LimitScope.PROJECT, capacity, cost);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDecisionTakesFromEveryBucketOrFromNone(Kind kind) {
        LimitStore store = open(kind);
        Check wide = check("wide", LimitKind.RPM, 10, 1);
        Check narrow = check("narrow", LimitKind.RPM, 3, 1);
        for (int i = 0; i < 3; i++) assertThat(get(store.acquire(List.of(wide, narrow), 0)).admitted()).isTrue();
        LimitStore.Levels refused = get(store.acquire(List.of(wide, narrow), 0));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.before()).containsExactly(3 * 60_000L, 3 * 60_000L);
        // the refusal took nothing from the wide bucket: exactly 7 more fit there
        for (int i = 0; i < 7; i++) assertThat(get(store.acquire(List.of(wide), 0)).admitted()).isTrue();
        assertThat(get(store.acquire(List.of(wide), 0)).admitted()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void bucketsRefillContinuouslyAtTheirLimitPerWindow(Kind kind) {
        LimitStore store = open(kind);
        Check rpm = check("rpm", LimitKind.RPM, 60, 1);
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 60; i++) assertThat(get(store.acquire(List.of(rpm), t0)).admitted()).isTrue();
        LimitStore.Levels full = get(store.acquire(List.of(rpm), t0));
        assertThat(full.admitted()).isFalse();
        assertThat(BucketMath.waitMs(full.before()[0], 1, 60, 60_000)).isEqualTo(1000);
        assertThat(get(store.acquire(List.of(rpm), t0 + 999)).admitted()).isFalse();
        assertThat(get(store.acquire(List.of(rpm), t0 + 1000)).admitted()).isTrue();
        assertThat(get(store.acquire(List.of(rpm), t0 + 1000)).admitted()).isFalse();
        // half a minute later, 30 more
        int admitted = 0;
        for (int i = 0; i < 40; i++) if (get(store.acquire(List.of(rpm), t0 + 31_000)).admitted()) admitted++;
        assertThat(admitted).isEqualTo(30);
        // an idle bucket is full again after one window
        assertThat(get(store.acquire(List.of(rpm), t0 + 200_000)).before()[0]).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void adjustmentsRefundAndChargeButNeverGoBelowEmpty(Kind kind) {
        LimitStore store = open(kind);
        Check tpm = check("tpm", LimitKind.TPM, 1000, 900);
        assertThat(get(store.acquire(List.of(tpm), 0)).admitted()).isTrue();
        assertThat(get(store.acquire(List.of(tpm), 0)).admitted()).isFalse();
        get(store.adjust(List.of(tpm.withCost(-880)), 0)); // used 20 of the 900 reserved
        assertThat(get(store.acquire(List.of(tpm), 0)).before()[0]).isEqualTo(20 * 60_000L);
        get(store.adjust(List.of(tpm.withCost(200)), 0)); // used 1100: charged beyond the limit
        LimitStore.Levels over = get(store.acquire(List.of(tpm.withCost(1)), 0));
        assertThat(over.admitted()).isFalse();
        assertThat(over.before()[0]).isEqualTo(1120 * 60_000L);
        get(store.adjust(List.of(tpm.withCost(-5000)), 0));
        assertThat(get(store.acquire(List.of(tpm.withCost(1)), 0)).before()[0]).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aClockBehindTheLastDecisionRefillsNothing(Kind kind) {
        LimitStore store = open(kind);
        Check rpm = check("skew", LimitKind.RPM, 2, 1);
        assertThat(get(store.acquire(List.of(rpm), 100_000)).admitted()).isTrue();
        assertThat(get(store.acquire(List.of(rpm), 100_000)).admitted()).isTrue();
        // a gateway whose clock is 40 s behind sees a full bucket, and its decision does not move the stamp back
        assertThat(get(store.acquire(List.of(rpm), 60_000)).admitted()).isFalse();
        assertThat(get(store.acquire(List.of(rpm), 100_000)).admitted()).isFalse();
        assertThat(get(store.acquire(List.of(rpm), 130_000)).admitted()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentDecisionsAdmitExactlyTheLimit(Kind kind) throws Exception {
        LimitStore store = open(kind);
        Check org = check("org", LimitKind.RPM, 1000, 1);
        Check project = check("project", LimitKind.RPM, 50, 1);
        List<Future<LimitStore.Levels>> all = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<Future<LimitStore.Levels>>> submitted = new ArrayList<>();
        for (int i = 0; i < 400; i++) submitted.add(pool.submit(() -> store.acquire(List.of(project, org), 0)));
        for (var s : submitted) all.add(s.get());
        pool.shutdown();
        long admitted = all.stream().filter(f -> get(f).admitted()).count();
        assertThat(admitted).isEqualTo(50);
        assertThat(get(store.acquire(List.of(org), 0)).before()[0]).isEqualTo(50 * 60_000L);
    }

    @Test
    void bothStoresComputeTheSameLevelsForTheSameHistory() {
        LimitStore memory = open(Kind.MEMORY);
        LimitStore redisStore = open(Kind.REDIS);
        Random random = new Random(42);
        int admitted = 0;
        long now = 1_700_000_000_000L;
        // Redis computes in doubles: exact while limit x window stays within 2^53 (here ~8.6e15 and 1.8e11)
        Check tpd = check("tpd", LimitKind.TPD, 99_999_989L, 0);
        Check tpm = check("tpm-big", LimitKind.TPM, 3_000_001L, 0);
        for (int i = 0; i < 300; i++) {
            now += random.nextInt(i < 150 ? 500 : 20_000);
            long cost = random.nextInt(600_000);
            List<Check> checks = List.of(tpd.withCost(cost), tpm.withCost(cost));
            if (random.nextInt(4) == 0) {
                long delta = random.nextInt(400_000) - 300_000;
                get(memory.adjust(List.of(tpd.withCost(delta), tpm.withCost(delta)), now));
                get(redisStore.adjust(List.of(tpd.withCost(delta), tpm.withCost(delta)), now));
            }
            LimitStore.Levels m = get(memory.acquire(checks, now));
            LimitStore.Levels r = get(redisStore.acquire(checks, now));
            assertThat(r.admitted()).as("step %d", i).isEqualTo(m.admitted());
            assertThat(r.before()).as("step %d", i).containsExactly(m.before());
            if (m.admitted()) admitted++;
        }
        assertThat(admitted).as("both outcomes occur").isBetween(50, 250);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRefusalByOneScopeReservesNothingInTheOtherScopes(Kind kind) {
        LimitStore store = open(kind);
        Check orgRpm = new Check(prefix + "o:rpm", LimitKind.RPM, LimitScope.ORGANIZATION, 100, 1);
        Check orgTpm = new Check(prefix + "o:tpm", LimitKind.TPM, LimitScope.ORGANIZATION, 100_000, 400);
        Check projectRpm = check("p:rpm", LimitKind.RPM, 50, 1);
        Check projectTpm = check("p:tpm", LimitKind.TPM, 1_000, 400);
        List<Check> all = List.of(orgRpm, orgTpm, projectRpm, projectTpm);
        assertThat(get(store.acquire(all, 0)).admitted()).isTrue();
        assertThat(get(store.acquire(all, 0)).admitted()).isTrue();
        // the project's TPM (1,000) has 200 left: a third request of 400 is refused by that scope alone...
        LimitStore.Levels refused = get(store.acquire(all, 0));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.before()).containsExactly(2 * 60_000L, 800 * 60_000L, 2 * 60_000L, 800 * 60_000L);
        // ...and took nothing from the organization's buckets nor from the project's RPM
        LimitStore.Levels after = get(store.acquire(List.of(orgRpm.withCost(0), orgTpm.withCost(0),
                projectRpm.withCost(0), projectTpm.withCost(0)), 0));
        assertThat(after.admitted()).isTrue();
        assertThat(after.before()).containsExactly(2 * 60_000L, 800 * 60_000L, 2 * 60_000L, 800 * 60_000L);
    }

    @Test
    void correctionsSentTogetherAddUpAsIfAppliedOneByOne() throws Exception {
        LimitStore memory = open(Kind.MEMORY);
        LimitStore redisStore = open(Kind.REDIS);
        Check org = new Check(prefix + "o:tpm", LimitKind.TPM, LimitScope.ORGANIZATION, 1_000_000, 0);
        Check project = check("p:tpm", LimitKind.TPM, 100_000, 0);
        Check other = check("q:tpm", LimitKind.TPM, 100_000, 0);
        for (LimitStore s : List.of(memory, redisStore)) {
            assertThat(get(s.acquire(List.of(org.withCost(90_000), project.withCost(90_000)), 1_000)).admitted()).isTrue();
        }
        // 200 corrections from an event loop without waiting: while the first is in flight the others queue and
        // go together, merged per bucket; each future completes only once its correction is applied.
        Random random = new Random(7);
        long[] deltas = new long[200];
        for (int i = 0; i < deltas.length; i++) deltas[i] = random.nextInt(1_000) - 700;
        java.util.concurrent.CompletableFuture<List<Future<Void>>> sent = new java.util.concurrent.CompletableFuture<>();
        vertx.runOnContext(v -> {
            List<Future<Void>> fs = new ArrayList<>();
            for (int i = 0; i < deltas.length; i++) {
                Check third = i % 2 == 0 ? other : project;
                fs.add(redisStore.adjust(List.of(org.withCost(deltas[i]), third.withCost(deltas[i])), 2_000 + i));
            }
            sent.complete(fs);
        });
        for (Future<Void> f : sent.get(10, TimeUnit.SECONDS)) get(f);
        for (int i = 0; i < deltas.length; i++) {
            Check third = i % 2 == 0 ? other : project;
            get(memory.adjust(List.of(org.withCost(deltas[i]), third.withCost(deltas[i])), 2_000 + i));
        }
        List<Check> read = List.of(org, project, other);
        long now = 2_000 + deltas.length;
        LimitStore.Levels m = get(memory.acquire(read, now));
        LimitStore.Levels r = get(redisStore.acquire(read, now));
        assertThat(m.before()[0]).as("the corrections moved the organization's bucket").isNotEqualTo(90_000 * 60_000L)
                .isPositive();
        assertThat(r.before()).containsExactly(m.before());
    }

    @Test
    void decisionsSentTogetherInOneRoundDecideAsIfMadeOneByOne() throws Exception {
        LimitStore memory = open(Kind.MEMORY);
        LimitStore redisStore = open(Kind.REDIS);
        Check orgRpm = new Check(prefix + "o:rpm", LimitKind.RPM, LimitScope.ORGANIZATION, 250, 1);
        Check orgTpm = new Check(prefix + "o:tpm", LimitKind.TPM, LimitScope.ORGANIZATION, 60_000, 0);
        Check[] projects = {check("p1:tpm", LimitKind.TPM, 20_000, 0), check("p2:tpm", LimitKind.TPM, 30_000, 0)};
        Random random = new Random(3);
        List<List<Check>> requests = new ArrayList<>();
        long[] times = new long[400];
        for (int i = 0; i < times.length; i++) {
            long tokens = random.nextInt(900);
            requests.add(List.of(orgRpm, orgTpm.withCost(tokens), projects[random.nextInt(2)].withCost(tokens)));
            times[i] = 10_000 + i * 5L;
        }
        // all 400 from one event loop without waiting: the first goes alone, the rest queue and go in rounds
        int admitted = sentFromOneLoopDecideAsMemory(redisStore, memory, requests, times);
        assertThat(admitted).as("some refused by one scope or another").isBetween(100, 300);
    }

    @Test
    void aLimitChangedWhileARoundGathersDecidesEachRequestWithItsOwnLimit() throws Exception {
        LimitStore memory = open(Kind.MEMORY);
        LimitStore redisStore = open(Kind.REDIS);
        Check orgRpm = new Check(prefix + "o:rpm", LimitKind.RPM, LimitScope.ORGANIZATION, 120, 1);
        Check orgTpm = new Check(prefix + "o:tpm", LimitKind.TPM, LimitScope.ORGANIZATION, 40_000, 0);
        Random random = new Random(11);
        List<List<Check>> requests = new ArrayList<>();
        long[] times = new long[300];
        for (int i = 0; i < times.length; i++) {
            // the limits change every 50 requests (an admin edit or a reload), back and forth, so one round
            // carries the same bucket with more than one limit; each request is decided with the limit it carries
            long rpm = (i / 50) % 2 == 0 ? 120 : 90 + i / 10;
            long tpm = (i / 50) % 2 == 0 ? 40_000 : 30_000 + i;
            long tokens = random.nextInt(400);
            requests.add(List.of(withCapacity(orgRpm, rpm), withCapacity(orgTpm, tpm).withCost(tokens)));
            times[i] = 20_000 + i * 40L;
        }
        int admitted = sentFromOneLoopDecideAsMemory(redisStore, memory, requests, times);
        assertThat(admitted).as("some refused").isBetween(50, 280);
    }

    /**
     * Sends every request to {@code redisStore} from one event loop without waiting (so they go in rounds), then
     * checks each decision and level against {@code memory}'s for the same request; returns how many were admitted.
     */
    private int sentFromOneLoopDecideAsMemory(LimitStore redisStore, LimitStore memory, List<List<Check>> requests,
                                              long[] times) throws Exception {
        var sent = new java.util.concurrent.CompletableFuture<List<Future<LimitStore.Levels>>>();
        vertx.runOnContext(v -> {
            List<Future<LimitStore.Levels>> fs = new ArrayList<>();
            for (int i = 0; i < times.length; i++) fs.add(redisStore.acquire(requests.get(i), times[i]));
            sent.complete(fs);
        });
        List<Future<LimitStore.Levels>> answers = sent.get(10, TimeUnit.SECONDS);
        int admitted = 0;
        for (int i = 0; i < times.length; i++) {
            LimitStore.Levels m = get(memory.acquire(requests.get(i), times[i]));
            LimitStore.Levels r = get(answers.get(i));
            assertThat(r.admitted()).as("request %d", i).isEqualTo(m.admitted());
            assertThat(r.before()).as("request %d", i).containsExactly(m.before());
            if (m.admitted()) admitted++;
        }
        return admitted;
    }

    @Test
    void commandsFromAnEventLoopShareThatLoopsConnectionAndOtherLoopsUseThePool() throws Exception {
        PipelinedRedis pipe = new PipelinedRedis(redis, 1);
        LimitStore store = get(RedisLimitStore.start(pipe));
        Check rpm = check("lanes", LimitKind.RPM, 150, 1);
        List<java.util.concurrent.CompletableFuture<List<Future<LimitStore.Levels>>>> loops = new ArrayList<>();
        var internal = (io.vertx.core.internal.VertxInternal) vertx;
        var group = internal.nettyEventLoopGroup();
        io.netty.channel.EventLoop first = group.next();
        io.netty.channel.EventLoop second = group.next();
        assertThat(second).as("two event loops").isNotSameAs(first);
        for (io.netty.channel.EventLoop loop : List.of(first, second)) {
            var sent = new java.util.concurrent.CompletableFuture<List<Future<LimitStore.Levels>>>();
            io.vertx.core.Context ctx = internal.contextBuilder().withEventLoop(loop).build();
            ctx.runOnContext(v -> {
                List<Future<LimitStore.Levels>> fs = new ArrayList<>();
                for (int i = 0; i < 100; i++) fs.add(store.acquire(List.of(rpm), 0));
                sent.complete(fs);
            });
            loops.add(sent);
        }
        long admitted = 0;
        for (var sent : loops) for (Future<LimitStore.Levels> f : sent.get(10, TimeUnit.SECONDS)) {
            if (get(f).admitted()) admitted++;
        }
        assertThat(admitted).isEqualTo(150);
        assertThat(pipe.lanes()).as("one pinned connection (maxLanes 1); the other loop used the pool").isEqualTo(1);
        pipe.close();
        assertThat(pipe.lanes()).isZero();
    }

    @Test
    void twoGatewaysWithTwoEventLoopsEachShareOneExactLimitAndAnswerOnTheLoopThatAsked() throws Exception {
        // two gateways (a client and a store each) on one Redis, each used from two event loops at once: each loop
        // sends its own rounds on its own connection, and all of them together admit exactly the limit
        Redis otherClient = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:6379")
                .setMaxPoolSize(8).setMaxPoolWaiting(10_000));
        List<PipelinedRedis> pipes = List.of(new PipelinedRedis(redis, 4), new PipelinedRedis(otherClient, 4));
        List<RedisLimitStore> stores = new ArrayList<>();
        for (PipelinedRedis pipe : pipes) stores.add(get(RedisLimitStore.start(pipe)));
        Check rpm = new Check(prefix + "o:rpm", prefix + "o:", LimitKind.RPM, LimitScope.ORGANIZATION, 250, 1);
        Check tpm = new Check(prefix + "o:tpm", prefix + "o:", LimitKind.TPM, LimitScope.ORGANIZATION, 1_000_000, 10);
        var internal = (io.vertx.core.internal.VertxInternal) vertx;
        io.netty.channel.EventLoop first = internal.nettyEventLoopGroup().next();
        io.netty.channel.EventLoop second = internal.nettyEventLoopGroup().next();
        assertThat(second).as("two event loops").isNotSameAs(first);
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger elsewhere = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.CompletableFuture<Void>> done = new ArrayList<>();
        for (RedisLimitStore store : stores) {
            for (io.netty.channel.EventLoop loop : List.of(first, second)) {
                io.vertx.core.Context ctx = internal.contextBuilder().withEventLoop(loop).build();
                var finished = new java.util.concurrent.CompletableFuture<Void>();
                done.add(finished);
                ctx.runOnContext(v -> {
                    List<Future<?>> all = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        // each admitted request ends with a refund of 4 tokens, sent from the loop it ran on
                        all.add(store.acquire(List.of(rpm, tpm), 0).compose(levels -> {
                            if (Vertx.currentContext() != ctx || !loop.inEventLoop()) elsewhere.incrementAndGet();
                            if (!levels.admitted()) return Future.succeededFuture();
                            admitted.incrementAndGet();
                            return store.adjust(List.of(tpm.withCost(-4)), 0);
                        }));
                    }
                    Future.all(all).onComplete(ar -> {
                        if (ar.succeeded()) finished.complete(null);
                        else finished.completeExceptionally(ar.cause());
                    });
                });
            }
        }
        for (var f : done) f.get(10, TimeUnit.SECONDS);

        assertThat(admitted.get()).isEqualTo(250);
        assertThat(elsewhere.get()).as("answers completed off the loop that asked").isZero();
        for (RedisLimitStore store : stores) assertThat(store.loops()).as("rounds per event loop").isEqualTo(2);
        LimitStore.Levels levels = get(stores.get(0).acquire(List.of(rpm.withCost(0), tpm.withCost(0)), 0));
        assertThat(levels.before()).containsExactly(250 * 60_000L, 250 * 6 * 60_000L);
        pipes.forEach(PipelinedRedis::close);
        get(otherClient.close());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentDecisionsOverGroupedBucketsAdmitExactlyTheLimitAndCorrectionsAddUp(Kind kind) throws Exception {
        LimitStore store = open(kind);
        // as the rate limiter sends them: each scope's limits in one group, the groups in either order
        Check orgRpm = new Check(prefix + "o:rpm", prefix + "o:", LimitKind.RPM, LimitScope.ORGANIZATION, 1000, 1);
        Check orgTpm = new Check(prefix + "o:tpm", prefix + "o:", LimitKind.TPM, LimitScope.ORGANIZATION,
                1_000_000, 10);
        Check projectRpm = new Check(prefix + "p:rpm", prefix + "p:", LimitKind.RPM, LimitScope.PROJECT, 50, 1);
        Check projectTpm = new Check(prefix + "p:tpm", prefix + "p:", LimitKind.TPM, LimitScope.PROJECT, 1_000_000, 10);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<Future<LimitStore.Levels>>> submitted = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            List<Check> checks = i % 2 == 0 ? List.of(orgRpm, orgTpm, projectRpm, projectTpm)
                    : List.of(projectTpm, projectRpm, orgTpm, orgRpm);
            submitted.add(pool.submit(() -> store.acquire(checks, 0)));
        }
        long admitted = 0;
        for (var s : submitted) if (get(s.get()).admitted()) admitted++;
        List<java.util.concurrent.Future<Future<Void>>> refunds = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            refunds.add(pool.submit(() -> store.adjust(List.of(projectTpm.withCost(-4), orgTpm.withCost(-4)), 0)));
        }
        for (var r : refunds) get(r.get());
        pool.shutdown();

        assertThat(admitted).isEqualTo(50);
        LimitStore.Levels levels = get(store.acquire(List.of(orgRpm.withCost(0), orgTpm.withCost(0),
                projectRpm.withCost(0), projectTpm.withCost(0)), 0));
        assertThat(levels.before()).containsExactly(50 * 60_000L, 50 * 6 * 60_000L, 50 * 60_000L, 50 * 6 * 60_000L);
    }

    @Test
    void aSweptGroupIsMadeAnewByTheNextDecision() {
        MemoryLimitStore store = new MemoryLimitStore();
        Check rpm = new Check(prefix + "o:rpm", prefix + "o:", LimitKind.RPM, LimitScope.ORGANIZATION, 10, 1);
        Check rpd = new Check(prefix + "o:rpd", prefix + "o:", LimitKind.RPD, LimitScope.ORGANIZATION, 10, 1);
        get(store.acquire(List.of(rpm, rpd), 0));
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.sweep(30_000)).as("the minute bucket only").isEqualTo(1);
        assertThat(store.sweep(Long.MAX_VALUE / 2)).isEqualTo(1);
        assertThat(store.size()).isZero();
        LimitStore.Levels levels = get(store.acquire(List.of(rpm, rpd), 40_000));
        assertThat(levels.admitted()).isTrue();
        assertThat(levels.before()).containsExactly(0L, 0L);
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void theMemoryStoreForgetsBucketsThatHaveDrainedEmpty() {
        MemoryLimitStore store = new MemoryLimitStore();
        get(store.acquire(List.of(check("a", LimitKind.RPM, 10, 1), check("b", LimitKind.RPD, 10, 1)), 0));
        assertThat(store.sweep(30_000)).isEqualTo(1); // the minute bucket is empty after 6 s; the day one is not
        assertThat(store.size()).isEqualTo(1);
        assertThat(get(store.acquire(List.of(check("a", LimitKind.RPM, 10, 1)), 30_000)).before()[0]).isZero();
    }

    private static Check withCapacity(Check c, long capacity) {
        return new Check(c.key(), c.group(), c.kind(), c.scope(), capacity, c.cost());
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

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
