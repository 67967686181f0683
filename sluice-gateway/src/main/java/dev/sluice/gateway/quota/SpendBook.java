package dev.sluice.gateway.quota;

import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Spend per organization and project, lifetime (for credits) and per UTC month (for budgets), plus the worst-case
 * cost of requests in flight. A request is admitted only while spend + reservations is below every cap, and then
 * reserves its worst case, all under one lock: concurrent requests can overshoot a cap by at most one request.
 *
 * <p>Spend = the database's running totals as last read ({@code base}) + what this process recorded since
 * ({@code pending}). The ledger writer reports what it committed; a refresh reads the totals again and subtracts what
 * was committed before the read began, so a row is never missing from the sum (at worst briefly counted twice), and
 * other gateways' spend arrives with each refresh.
 */
public final class SpendBook {
    /** Lifetime totals use this period; months use {@code YYYY-MM}. */
    public static final String ALL = "all";

    /** A sum of one owner over one period. */
    public record Key(Owner owner, String period) {}

    /**
     * A request's reservation, with the owners' sums it was added to: ending it needs no lookup by owner. Such a sum
     * stays in {@code reserved} while any reservation with a positive amount holds it (it is removed only at 0).
     */
    private record Reservation(Owner org, Owner project, long nanos, Sum orgSum, Sum projectSum) {}

    /**
     * A running sum in a map, changed in place: a request adds to four and ends two reservations, which as boxed
     * {@code Long}s would be six allocations and six map writes per request under the lock.
     */
    private static final class Sum {
        long value;
    }

    private final Clock clock;
    private final Map<Key, Long> base = new HashMap<>();
    private final Map<Key, Sum> pending = new HashMap<>();
    private Map<Key, Long> committed = new HashMap<>();
    private final Map<Owner, Sum> reserved = new HashMap<>();
    private final Map<String, Reservation> byRequest = new HashMap<>();

    public SpendBook(Clock clock) {
        this.clock = clock;
    }

    public String currentMonth() {
        return month(clock.millis());
    }

    /** The UTC month ({@code YYYY-MM}) of {@code epochMillis}; formatted once per month, not per request. */
    public static String month(long epochMillis) {
        Month m = lastMonth;
        if (epochMillis >= m.fromMillis && epochMillis < m.untilMillis) return m.name;
        YearMonth ym = YearMonth.from(java.time.Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC));
        m = new Month(ym.toString(), ym.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(),
                ym.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
        lastMonth = m;
        return m.name;
    }

    /** A formatted month and the epoch-millisecond range {@code [fromMillis, untilMillis)} it covers. */
    private record Month(String name, long fromMillis, long untilMillis) {}

    /** The month {@link #month} formatted last (shared by all threads: an immutable value, replaced whole). */
    private static volatile Month lastMonth = new Month("", 0, 0);

    /**
     * Admits and reserves {@code nanos} for the request when neither owner has reached a cap; false (nothing
     * reserved) otherwise.
     */
    public synchronized boolean tryReserve(String requestId, Owner org, Owner project, long nanos, Quota orgQuota,
                                           Quota projectQuota) {
        String month = currentMonth();
        if (reached(org, orgQuota, month) || reached(project, projectQuota, month)) return false;
        byRequest.put(requestId, new Reservation(org, project, nanos, add(reserved, org, nanos),
                add(reserved, project, nanos)));
        return true;
    }

    private boolean reached(Owner o, Quota q, String month) {
        if (q == null || !q.capped()) return false;
        long inFlight = valueOf(reserved.get(o));
        if (q.monthlyBudgetNanos() != null && spentLocked(new Key(o, month)) + inFlight >= q.monthlyBudgetNanos()) return true;
        return q.creditsNanos() != null && spentLocked(new Key(o, ALL)) + inFlight >= q.creditsNanos();
    }

    /** A finished request: its cost becomes spend (in the month of {@code atMillis}) and its reservation ends. */
    public synchronized void recorded(String requestId, Owner org, Owner project, long costNanos, long atMillis) {
        releaseLocked(requestId);
        if (costNanos == 0) return;
        String month = month(atMillis);
        add(pending, new Key(org, ALL), costNanos);
        add(pending, new Key(org, month), costNanos);
        add(pending, new Key(project, ALL), costNanos);
        add(pending, new Key(project, month), costNanos);
    }

    /** Ends a reservation without spend (a re-delivered record). */
    public synchronized void release(String requestId) {
        releaseLocked(requestId);
    }

    private void releaseLocked(String requestId) {
        Reservation r = byRequest.remove(requestId);
        if (r == null) return;
        end(r.org(), r.orgSum(), r.nanos());
        end(r.project(), r.projectSum(), r.nanos());
    }

    /** Takes a reservation of {@code n} from its owner's sum; a sum that comes to 0 is removed. */
    private void end(Owner owner, Sum sum, long n) {
        sum.value -= n;
        if (sum.value == 0) reserved.remove(owner, sum);
    }

    /** Adds {@code n} to the sum of {@code k} (made at 0 if absent; kept even when it comes to 0); returns the sum. */
    private static <K> Sum add(Map<K, Sum> sums, K k, long n) {
        Sum sum = sums.computeIfAbsent(k, x -> new Sum());
        sum.value += n;
        return sum;
    }

    /** Takes {@code n} from the sum of {@code k} if it has one; a sum that comes to 0 is removed. */
    private static <K> void subtract(Map<K, Sum> sums, K k, long n) {
        Sum sum = sums.get(k);
        if (sum == null) return;
        sum.value -= n;
        if (sum.value == 0) sums.remove(k);
    }

    private static long valueOf(Sum sum) {
        return sum == null ? 0 : sum.value;
    }

    /** The ledger writer committed rows with these sums (every row of the batch, inserted or a duplicate). */
    public synchronized void committed(Map<Key, Long> sums) {
        sums.forEach((k, v) -> committed.merge(k, v, Long::sum));
    }

    /** Starts a refresh: what was committed until now, which the totals about to be read will include. */
    public synchronized Map<Key, Long> takeCommitted() {
        Map<Key, Long> taken = committed;
        committed = new HashMap<>();
        return taken;
    }

    /** Ends a refresh: {@code totals} read from the database after {@link #takeCommitted} returned {@code taken}. */
    public synchronized void rebase(Map<Key, Long> totals, Map<Key, Long> taken) {
        base.clear();
        base.putAll(totals);
        taken.forEach((k, v) -> subtract(pending, k, v));
        String month = currentMonth();
        // Past months no longer decide anything; their pending sums would only grow the map.
        pending.keySet().removeIf(k -> !k.period().equals(ALL) && k.period().compareTo(month) < 0);
    }

    public synchronized long spent(Owner owner, String period) {
        return spentLocked(new Key(owner, period));
    }

    public synchronized long reserved(Owner owner) {
        return valueOf(reserved.get(owner));
    }

    /** Requests holding a reservation (for tests and metrics). */
    public synchronized int inFlight() {
        return byRequest.size();
    }

    private long spentLocked(Key k) {
        return base.getOrDefault(k, 0L) + valueOf(pending.get(k));
    }
}
