package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import io.vertx.core.Context;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests the public port is serving, from their first handler until their usage record has gone to the
 * ledger, and whether the gateway is draining. The drain waits here for the count to reach zero, and at its deadline
 * asks every request still running to end with an error ({@link Exchange#abort}).
 *
 * <p>Every request enters and leaves here, on one of several event loops: the tickets are held in stripes chosen by
 * the entering thread, so the loops do not write the same set (its table and its counters) for every request; and a
 * request that leaves wakes the drain only while a drain is waiting.
 */
public final class InFlightRequests {
    private final Set<Ticket>[] stripes = stripes(2 * Runtime.getRuntime().availableProcessors());
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Threads in {@link #awaitIdle} (changed under {@code lock}; read without it by {@link Ticket#leave}). */
    private volatile int waiting;
    private volatile boolean draining;
    private volatile boolean cut;

    /** One request; {@link #exchange} is set once the request reaches a pipeline. */
    public final class Ticket {
        private final Context context;
        private final Set<Ticket> stripe;
        private volatile Exchange exchange;
        private boolean left;

        private Ticket(Context context, Set<Ticket> stripe) {
            this.context = context;
            this.stripe = stripe;
        }

        public void exchange(Exchange ex) {
            this.exchange = ex;
        }

        /** The request is over (answered and its usage recorded); idempotent. */
        public void leave() {
            synchronized (this) {
                if (left) return;
                left = true;
            }
            stripe.remove(this);
            // awaitIdle counts itself in before it looks at the stripes: either it sees this removal or this sees it
            if (waiting > 0) signal();
        }
    }

    /** A new request on {@code context} (its event loop, where an abort must run). */
    public Ticket enter(Context context) {
        Set<Ticket> stripe = stripes[(int) (Thread.currentThread().threadId() & (stripes.length - 1))];
        Ticket t = new Ticket(context, stripe);
        stripe.add(t);
        return t;
    }

    public int count() {
        int n = 0;
        for (Set<Ticket> s : stripes) n += s.size();
        return n;
    }

    private boolean idle() {
        for (Set<Ticket> s : stripes) if (!s.isEmpty()) return false;
        return true;
    }

    /** True from the drain's start: readiness answers 503, new answers carry {@code connection: close}. */
    public boolean draining() {
        return draining;
    }

    public void startDrain() {
        draining = true;
        signal();
    }

    /** Ends the wait of {@link #awaitIdle} at once (a second signal). */
    public void cutNow() {
        cut = true;
        signal();
    }

    /** Waits until no request is in flight, the deadline passes or {@link #cutNow}; true when none is left. */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        lock.lock();
        waiting++;
        try {
            while (!idle() && !cut) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) break;
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return idle();
        } finally {
            waiting--;
            lock.unlock();
        }
    }

    /**
     * Asks every request still in flight to end now with {@code error}; returns how many were asked. A request
     * whose terminal stage cannot be asked (no {@code onAbort}) is left to the server's close.
     */
    public int abortAll(ApiException error) {
        int n = 0;
        for (Set<Ticket> s : stripes) {
            for (Ticket t : s) {
                Exchange ex = t.exchange;
                if (ex == null || t.context == null) continue;
                n++;
                t.context.runOnContext(v -> ex.abort(error));
            }
        }
        return n;
    }

    /** {@code n} rounded up to a power of two sets (a thread's stripe is its id's low bits). */
    @SuppressWarnings("unchecked")
    private static Set<Ticket>[] stripes(int n) {
        Set<Ticket>[] s = new Set[Integer.highestOneBit(Math.max(1, n - 1)) << 1];
        for (int i = 0; i < s.length; i++) s[i] = ConcurrentHashMap.newKeySet();
        return s;
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
