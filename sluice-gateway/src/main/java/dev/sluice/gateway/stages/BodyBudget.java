package dev.sluice.gateway.stages;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies being received, in all and per API key, so many unfinished bodies cannot fill the
 * heap: a reservation that would cross either bound is refused (the caller answers 503 or 429). Reservations are
 * given back when the body is complete or the request fails; this counts only bodies on their way in.
 */
public final class BodyBudget {
    private final long total;
    private final long perKey;
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, AtomicLong> byKey = new ConcurrentHashMap<>();

    public BodyBudget(long total, long perKey) {
        this.total = total;
        this.perKey = perKey;
    }

    /** Why a reservation was refused. */
    public enum Refusal { NONE, TOTAL, KEY }

    public long total() { return total; }

    public long perKey() { return perKey; }

    /** Bytes reserved now (a gauge on /metrics; tests watch it return to zero). */
    public long inFlight() { return inFlight.get(); }

    /** Reserves {@code n} bytes for {@code key}; NONE when granted, else which bound refused (nothing reserved). */
    public Refusal reserve(String key, long n) {
        if (inFlight.addAndGet(n) > total) {
            inFlight.addAndGet(-n);
            return Refusal.TOTAL;
        }
        // Counted inside the map's compute, as release's removal is: a count added outside it could land on a
        // counter a concurrent release had just removed, and the key's bound would then not see it.
        long[] after = new long[1];
        byKey.compute(key, (x, v) -> {
            AtomicLong k = v == null ? new AtomicLong() : v;
            after[0] = k.addAndGet(n);
            return k;
        });
        if (after[0] > perKey) {
            inFlight.addAndGet(-n);
            giveBack(key, n);
            return Refusal.KEY;
        }
        return Refusal.NONE;
    }

    public void release(String key, long n) {
        if (n <= 0) return;
        inFlight.addAndGet(-n);
        giveBack(key, n);
    }

    /** Takes {@code n} off the key's count, and the counter out of the map once nothing is left on it. */
    private void giveBack(String key, long n) {
        byKey.computeIfPresent(key, (x, v) -> v.addAndGet(-n) <= 0 ? null : v);
    }
}
