package dev.sluice.gateway.limits;

import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store: buckets in a concurrent map, each with its own lock. A decision locks all its buckets in key
 * order (so two decisions never deadlock), decides, writes and unlocks: atomic within this process. Buckets that
 * have drained empty are swept so memory follows the active callers, not every caller ever seen.
 */
public final class MemoryLimitStore implements LimitStore {
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** One bucket; {@code dead} marks one the sweeper removed, so a decision holding a stale reference retries. */
    private static final class Bucket extends ReentrantLock {
        long level;
        long at;
        long capacity = 1;
        boolean dead;
    }

    @Override
    public Future<Levels> acquire(List<Check> checks, long nowMs) {
        return Future.succeededFuture(acquireNow(checks, nowMs));
    }

    @Override
    public Future<Void> adjust(List<Check> checks, long nowMs) {
        adjustNow(checks, nowMs);
        return Future.succeededFuture();
    }

    /** {@link #acquire}, synchronously (the benchmarks call it directly). */
    public Levels acquireNow(List<Check> checks, long nowMs) {
        int n = checks.size();
        Bucket[] held = lockAll(checks);
        try {
            long[] before = new long[n];
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                Check c = checks.get(i);
                Bucket b = held[i];
                long level = BucketMath.drain(b.level, b.at, nowMs, c.capacity());
                before[i] = level;
                if (!BucketMath.fits(level, c.cost(), c.capacity(), c.windowMs())) ok = false;
            }
            if (ok) {
                for (int i = 0; i < n; i++) {
                    Check c = checks.get(i);
                    Bucket b = held[i];
                    b.level = before[i] + c.cost() * c.windowMs();
                    b.at = Math.max(b.at, nowMs);
                    b.capacity = c.capacity();
                }
            }
            return new Levels(ok, before);
        } finally {
            unlockAll(held);
        }
    }

    public void adjustNow(List<Check> checks, long nowMs) {
        Bucket[] held = lockAll(checks);
        try {
            for (int i = 0; i < checks.size(); i++) {
                Check c = checks.get(i);
                Bucket b = held[i];
                long level = BucketMath.drain(b.level, b.at, nowMs, c.capacity());
                b.level = Math.max(0, level + c.cost() * c.windowMs());
                b.at = Math.max(b.at, nowMs);
                b.capacity = c.capacity();
            }
        } finally {
            unlockAll(held);
        }
    }

    /** Removes buckets that are empty at {@code nowMs} (they hold no state a fresh bucket would not). */
    public int sweep(long nowMs) {
        int removed = 0;
        for (var e : buckets.entrySet()) {
            Bucket b = e.getValue();
            if (!b.tryLock()) continue;
            try {
                if (BucketMath.drain(b.level, b.at, nowMs, b.capacity) == 0) {
                    b.dead = true;
                    buckets.remove(e.getKey(), b);
                    removed++;
                }
            } finally {
                b.unlock();
            }
        }
        return removed;
    }

    /** Buckets currently held (for tests and metrics). */
    public int size() {
        return buckets.size();
    }

    /** Locks the checks' buckets in key order; {@code held[i]} is the bucket of {@code checks.get(i)}. */
    private Bucket[] lockAll(List<Check> checks) {
        int n = checks.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = 1; i < n; i++) { // insertion sort: n is at most a handful
            int x = order[i];
            int j = i - 1;
            while (j >= 0 && checks.get(order[j]).key().compareTo(checks.get(x).key()) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
        Bucket[] held = new Bucket[n];
        while (true) {
            boolean retry = false;
            int locked = 0;
            for (; locked < n; locked++) {
                int i = order[locked];
                Bucket b = bucket(checks.get(i).key());
                b.lock();
                held[i] = b;
                if (b.dead) {
                    locked++;
                    retry = true;
                    break;
                }
            }
            if (!retry) return held;
            for (int k = 0; k < locked; k++) held[order[k]].unlock();
            java.util.Arrays.fill(held, null);
        }
    }

    /**
     * The bucket of {@code key}, made on first use. A lock-free read first: {@code computeIfAbsent} locks the map's
     * bin when the key is not the bin's first node, and the bucket is there on almost every decision.
     */
    private Bucket bucket(String key) {
        Bucket b = buckets.get(key);
        return b != null ? b : buckets.computeIfAbsent(key, k -> new Bucket());
    }

    private static void unlockAll(Bucket[] held) {
        for (Bucket b : held) b.unlock();
    }
}
