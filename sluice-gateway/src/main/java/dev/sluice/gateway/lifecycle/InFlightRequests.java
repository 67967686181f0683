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
 */
public final class InFlightRequests {
    private final Set<Ticket> active = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean draining;
    private volatile boolean cut;

    /** One request; {@link #exchange} is set once the request reaches a pipeline. */
    public final class Ticket {
        private final Context context;
        private volatile Exchange exchange;
        private boolean left;

        private Ticket(Context context) {
            this.context = context;
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
            active.remove(this);
            signal();
        }
    }

    /** A new request on {@code context} (its event loop, where an abort must run). */
    public Ticket enter(Context context) {
        Ticket t = new Ticket(context);
        active.add(t);
        return t;
    }

    public int count() {
        return active.size();
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
        try {
            while (!active.isEmpty() && !cut) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) break;
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
            return active.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks every request still in flight to end now with {@code error}; returns how many were asked. A request
     * whose terminal stage cannot be asked (no {@code onAbort}) is left to the server's close.
     */
    public int abortAll(ApiException error) {
        int n = 0;
        for (Ticket t : active) {
            Exchange ex = t.exchange;
            if (ex == null || t.context == null) continue;
            n++;
            t.context.runOnContext(v -> ex.abort(error));
        }
        return n;
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
