package dev.sluice.gateway.limits;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store: buckets in groups (one owner's limits on one family, {@link Check#group}) in a concurrent map,
 * each group with its own lock. A decision locks all its groups in group order (so two decisions never deadlock),
 * decides, writes and unlocks: atomic within this process, and one lock per scope rather than one per limit.
 * Buckets that have drained empty are swept, and a group with none left, so memory follows the active callers, not
 * every caller ever seen.
 */
public final class MemoryLimitStore implements LimitStore {
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();

    /**
     * The buckets of one group, guarded by its lock; {@code dead} marks a group the sweeper removed, so a decision
     * holding a stale reference retries.
     */
    private static final class Group extends ReentrantLock {
        final HashMap<String, Bucket> buckets = new HashMap<>(8);
        boolean dead;

        /** The bucket of {@code key}, made on first use (the group's lock is held). */
        Bucket bucket(String key) {
            Bucket b = buckets.get(key);
            if (b == null) buckets.put(key, b = new Bucket());
            return b;
        }
    }

    /** One bucket (guarded by its group's lock). */
    private static final class Bucket {
        long level;
        long at;
        long capacity = 1;
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
        int[] order = order(checks);
        Group[] held = lockAll(checks, order);
        try {
            Bucket[] buckets = new Bucket[n];
            long[] before = new long[n];
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                Check c = checks.get(i);
                Bucket b = buckets[i] = held[i].bucket(c.key());
                long level = BucketMath.drain(b.level, b.at, nowMs, c.capacity());
                before[i] = level;
                if (!BucketMath.fits(level, c.cost(), c.capacity(), c.windowMs())) ok = false;
            }
            if (ok) {
                for (int i = 0; i < n; i++) {
                    Check c = checks.get(i);
                    Bucket b = buckets[i];
                    b.level = before[i] + c.cost() * c.windowMs();
                    b.at = Math.max(b.at, nowMs);
                    b.capacity = c.capacity();
                }
            }
            return new Levels(ok, before);
        } finally {
            unlockAll(held, order, n);
        }
    }

    public void adjustNow(List<Check> checks, long nowMs) {
        int n = checks.size();
        int[] order = order(checks);
        Group[] held = lockAll(checks, order);
        try {
            for (int i = 0; i < n; i++) {
                Check c = checks.get(i);
                Bucket b = held[i].bucket(c.key());
                long level = BucketMath.drain(b.level, b.at, nowMs, c.capacity());
                b.level = Math.max(0, level + c.cost() * c.windowMs());
                b.at = Math.max(b.at, nowMs);
                b.capacity = c.capacity();
            }
        } finally {
            unlockAll(held, order, n);
        }
    }

    /**
     * Removes buckets that are empty at {@code nowMs} (they hold no state a fresh bucket would not), and groups left
     * with none.
     */
    public int sweep(long nowMs) {
        int removed = 0;
        for (var e : groups.entrySet()) {
            Group g = e.getValue();
            if (!g.tryLock()) continue;
            try {
                var it = g.buckets.values().iterator();
                while (it.hasNext()) {
                    Bucket b = it.next();
                    if (BucketMath.drain(b.level, b.at, nowMs, b.capacity) == 0) {
                        it.remove();
                        removed++;
                    }
                }
                if (g.buckets.isEmpty()) {
                    g.dead = true;
                    groups.remove(e.getKey(), g);
                }
            } finally {
                g.unlock();
            }
        }
        return removed;
    }

    /** Buckets currently held (for tests and metrics). */
    public int size() {
        int n = 0;
        for (Group g : groups.values()) {
            g.lock();
            try {
                n += g.buckets.size();
            } finally {
                g.unlock();
            }
        }
        return n;
    }

    /** The checks' indices in group order (insertion sort: n is at most a handful). */
    private static int[] order(List<Check> checks) {
        int n = checks.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = 1; i < n; i++) {
            int x = order[i];
            int j = i - 1;
            while (j >= 0 && checks.get(order[j]).group().compareTo(checks.get(x).group()) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
        return order;
    }

    /**
     * Locks the checks' groups in {@code order}, each once (checks of one group are next to each other in it);
     * {@code held[i]} is the group of {@code checks.get(i)}.
     */
    private Group[] lockAll(List<Check> checks, int[] order) {
        int n = checks.size();
        Group[] held = new Group[n];
        while (true) {
            boolean retry = false;
            int locked = 0;
            Group previous = null;
            for (; locked < n; locked++) {
                int i = order[locked];
                Group g = group(checks.get(i).group());
                held[i] = g;
                if (g == previous) continue;
                g.lock();
                previous = g;
                if (g.dead) {
                    locked++;
                    retry = true;
                    break;
                }
            }
            if (!retry) return held;
            unlockAll(held, order, locked);
            java.util.Arrays.fill(held, null);
        }
    }

    /**
     * The group of {@code name}, made on first use. A lock-free read first: {@code computeIfAbsent} locks the map's
     * bin when the key is not the bin's first node, and the group is there on almost every decision.
     */
    private Group group(String name) {
        Group g = groups.get(name);
        return g != null ? g : groups.computeIfAbsent(name, k -> new Group());
    }

    /** Unlocks the groups of the first {@code count} checks in {@code order}, each once. */
    private static void unlockAll(Group[] held, int[] order, int count) {
        Group previous = null;
        for (int k = 0; k < count; k++) {
            Group g = held[order[k]];
            if (g == previous) continue;
            g.unlock();
            previous = g;
        }
    }
}
