package dev.sluice.gateway.idempotency;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;

/**
 * The embedded store: a Caffeine cache bounded by bytes (least recently used answers go first) where a completed
 * answer expires {@code retention} after it was stored and a reservation after its in-flight TTL. Time comes from
 * the injected {@link Ticker}, so tests move it instead of waiting a day.
 */
public final class MemoryIdempotencyStore implements IdempotencyStore {
    private final ConcurrentMap<String, Entry> map;

    /** The record plus its own time to live (reservations and answers expire differently). */
    private record Entry(IdempotencyRecord record, long ttlNanos) {
        int weight() {
            return record instanceof IdempotencyRecord.Completed c ? c.weight() : 128;
        }
    }

    public MemoryIdempotencyStore(Duration retention, long maxBytes, Ticker ticker) {
        long retentionNanos = retention.toNanos();
        Cache<String, Entry> cache = Caffeine.newBuilder()
                .ticker(ticker)
                .maximumWeight(maxBytes)
                .weigher((String k, Entry e) -> k.length() + e.weight())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return e.record() instanceof IdempotencyRecord.Completed ? retentionNanos : e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return expireAfterCreate(key, e, now);
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current;
                    }
                })
                .build();
        this.map = cache.asMap();
    }

    @Override
    public Future<Optional<IdempotencyRecord>> reserve(String key, String fingerprint, String requestId,
                                                       Duration inFlightTtl) {
        Entry mine = new Entry(new IdempotencyRecord.InFlight(fingerprint, requestId), inFlightTtl.toNanos());
        Entry there = map.putIfAbsent(key, mine);
        return Future.succeededFuture(Optional.ofNullable(there).map(Entry::record));
    }

    @Override
    public Future<Void> complete(String key, IdempotencyRecord.Completed answer) {
        map.compute(key, (k, e) -> e == null || ours(e, answer.requestId()) ? new Entry(answer, 0) : e);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> release(String key, String requestId) {
        map.computeIfPresent(key, (k, e) -> ours(e, requestId) ? null : e);
        return Future.succeededFuture();
    }

    private static boolean ours(Entry e, String requestId) {
        return e.record() instanceof IdempotencyRecord.InFlight f && f.requestId().equals(requestId);
    }
}
