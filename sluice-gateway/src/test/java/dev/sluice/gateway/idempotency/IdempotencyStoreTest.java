package dev.sluice.gateway.idempotency;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import dev.sluice.gateway.limits.PipelinedRedis;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same contract over both stores: the in-memory one (embedded default) and Redis at 127.0.0.1:6379 (which must
 * be running: these tests fail, never skip, without it). Each run uses its own key prefix.
 */
class IdempotencyStoreTest {
    static final String REDIS_URL = "redis://127.0.0.1:6379";
    static final Duration RETENTION = Duration.ofHours(24);
    static final Duration IN_FLIGHT = Duration.ofMinutes(11);
    static Vertx vertx;
    /** One client for every Redis store of the class, as the gateway shares one (RedisConnection). */
    static Redis shared;
    static final String PREFIX = "sluice-test:idem:" + UUID.randomUUID() + ":";

    enum Backend { MEMORY, REDIS }

    final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        // a wait queue as the gateway's (RedisConnection) allows, so many concurrent reserves queue for connections
        shared = Redis.createClient(vertx, new RedisOptions().setConnectionString(REDIS_URL).setMaxPoolWaiting(1024));
    }

    @AfterAll
    static void stop() throws Exception {
        Redis redis = Redis.createClient(vertx, REDIS_URL);
        try {
            for (var k : await(redis.send(Request.cmd(Command.KEYS).arg(PREFIX + "*")))) {
                await(redis.send(Request.cmd(Command.DEL).arg(k.toString())));
            }
        } finally {
            redis.close();
            shared.close();
            await(vertx.close());
        }
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    IdempotencyStore store(Backend b) {
        return switch (b) {
            case MEMORY -> new MemoryIdempotencyStore(RETENTION, 1 << 20, nanos::get);
            case REDIS -> new RedisIdempotencyStore(new PipelinedRedis(shared, 3), PREFIX, RETENTION);
        };
    }

    static String key() {
        return "proj_" + UUID.randomUUID() + ":k";
    }

    static IdempotencyRecord.Completed answer(String fp, String requestId, byte[] body) {
        return new IdempotencyRecord.Completed(fp, requestId, 200,
                Map.of("content-type", "application/json", "x-upstream-request-id", "req_up"), body);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theFirstReserveWinsAndTheNextSeesItInFlight(Backend b) throws Exception {
        try (IdempotencyStore s = store(b)) {
            String k = key();
            assertThat(await(s.reserve(k, "fp1", "req_1", IN_FLIGHT))).isEmpty();
            Optional<IdempotencyRecord> second = await(s.reserve(k, "fp1", "req_2", IN_FLIGHT));
            assertThat(second).get().isInstanceOf(IdempotencyRecord.InFlight.class);
            assertThat(second.get().requestId()).isEqualTo("req_1");
            assertThat(second.get().fingerprint()).isEqualTo("fp1");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCompletedAnswerComesBackByteForByte(Backend b) throws Exception {
        byte[] body = {'{', '}', 0, (byte) 0xff, (byte) 0xc3, 10, '"'};
        try (IdempotencyStore s = store(b)) {
            String k = key();
            await(s.reserve(k, "fp1", "req_1", IN_FLIGHT));
            await(s.complete(k, answer("fp1", "req_1", body)));
            IdempotencyRecord r = await(s.reserve(k, "fp1", "req_2", IN_FLIGHT)).orElseThrow();
            assertThat(r).isInstanceOf(IdempotencyRecord.Completed.class);
            IdempotencyRecord.Completed c = (IdempotencyRecord.Completed) r;
            assertThat(c.body()).isEqualTo(body);
            assertThat(c.requestId()).isEqualTo("req_1");
            assertThat(c.status()).isEqualTo(200);
            assertThat(c.headers()).containsEntry("x-upstream-request-id", "req_up")
                    .containsEntry("content-type", "application/json");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void onlyTheOwnerReleasesAReservation(Backend b) throws Exception {
        try (IdempotencyStore s = store(b)) {
            String k = key();
            await(s.reserve(k, "fp1", "req_1", IN_FLIGHT));
            await(s.release(k, "req_other"));
            assertThat(await(s.reserve(k, "fp1", "req_2", IN_FLIGHT))).isPresent();
            await(s.release(k, "req_1"));
            assertThat(await(s.reserve(k, "fp1", "req_3", IN_FLIGHT))).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCompletedAnswerIsNeverReleasedOrOverwrittenByAnotherRequest(Backend b) throws Exception {
        try (IdempotencyStore s = store(b)) {
            String k = key();
            await(s.reserve(k, "fp1", "req_1", IN_FLIGHT));
            await(s.complete(k, answer("fp2", "req_2", new byte[] {1})));
            assertThat(await(s.reserve(k, "fp1", "req_3", IN_FLIGHT)).orElseThrow())
                    .as("req_2 did not hold the key").isInstanceOf(IdempotencyRecord.InFlight.class);
            await(s.complete(k, answer("fp1", "req_1", new byte[] {7})));
            await(s.release(k, "req_1"));
            IdempotencyRecord r = await(s.reserve(k, "fp1", "req_4", IN_FLIGHT)).orElseThrow();
            assertThat(((IdempotencyRecord.Completed) r).body()).containsExactly(7);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void keysOfDifferentProjectsAreIndependent(Backend b) throws Exception {
        try (IdempotencyStore s = store(b)) {
            String id = UUID.randomUUID().toString();
            assertThat(await(s.reserve("proj_a:" + id, "fp", "req_1", IN_FLIGHT))).isEmpty();
            assertThat(await(s.reserve("proj_b:" + id, "fp", "req_2", IN_FLIGHT))).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ofManyConcurrentReservesExactlyOneWins(Backend b) throws Exception {
        try (IdempotencyStore s = store(b)) {
            String k = key();
            List<Future<Optional<IdempotencyRecord>>> all = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            List<Future<Optional<IdempotencyRecord>>> sync = java.util.Collections.synchronizedList(all);
            for (int i = 0; i < 32; i++) {
                String rid = "req_" + i;
                threads.add(Thread.ofPlatform().start(() -> sync.add(s.reserve(k, "fp", rid, IN_FLIGHT))));
            }
            for (Thread t : threads) t.join();
            int winners = 0;
            for (Future<Optional<IdempotencyRecord>> f : List.copyOf(sync)) if (await(f).isEmpty()) winners++;
            assertThat(winners).isEqualTo(1);
        }
    }

    @Test
    void theMemoryStoreForgetsAnswersAfterTheRetentionAndReservationsAfterTheirTtl() throws Exception {
        try (IdempotencyStore s = store(Backend.MEMORY)) {
            await(s.reserve("p:done", "fp", "req_1", IN_FLIGHT));
            await(s.complete("p:done", answer("fp", "req_1", new byte[] {1})));
            await(s.reserve("p:stuck", "fp", "req_2", IN_FLIGHT));
            nanos.addAndGet(IN_FLIGHT.plusSeconds(1).toNanos());
            assertThat(await(s.reserve("p:stuck", "fp", "req_3", IN_FLIGHT))).as("a dead gateway's reservation")
                    .isEmpty();
            assertThat(await(s.reserve("p:done", "fp", "req_4", IN_FLIGHT))).isPresent();
            nanos.addAndGet(RETENTION.toNanos());
            assertThat(await(s.reserve("p:done", "fp", "req_5", IN_FLIGHT))).isEmpty();
        }
    }

    @Test
    void theRedisStoreSetsTheRetentionAndTheInFlightTtlOnItsKeys() throws Exception {
        Redis redis = Redis.createClient(vertx, REDIS_URL);
        try (IdempotencyStore s = store(Backend.REDIS)) {
            String k = key();
            await(s.reserve(k, "fp", "req_1", IN_FLIGHT));
            long inFlightTtl = await(redis.send(Request.cmd(Command.PTTL).arg(PREFIX + k))).toLong();
            assertThat(inFlightTtl).isBetween(IN_FLIGHT.toMillis() - 5000, IN_FLIGHT.toMillis());
            await(s.complete(k, answer("fp", "req_1", new byte[] {1})));
            long ttl = await(redis.send(Request.cmd(Command.PTTL).arg(PREFIX + k))).toLong();
            assertThat(ttl).isBetween(RETENTION.toMillis() - 5000, RETENTION.toMillis());
        } finally {
            redis.close();
        }
    }
}
