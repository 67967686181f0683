package dev.sluice.sim.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts requests that are open (accepted, not yet answered or abandoned), so tests can prove that a client going
 * away releases the simulator's timers instead of leaking them.
 */
public final class InFlight {
    private int open;
    private long received;
    private final List<Promise<Void>> idleWaiters = new ArrayList<>();

    synchronized void opened() {
        open++;
        received++;
    }

    void closed() {
        List<Promise<Void>> wake;
        synchronized (this) {
            open--;
            if (open > 0 || idleWaiters.isEmpty()) return;
            wake = new ArrayList<>(idleWaiters);
            idleWaiters.clear();
        }
        wake.forEach(Promise::tryComplete);
    }

    /** The W3C {@code traceparent} headers of the last requests received (at most {@link #TRACEPARENTS_KEPT}). */
    public static final int TRACEPARENTS_KEPT = 1000;
    private final java.util.ArrayDeque<String> traceparents = new java.util.ArrayDeque<>();

    synchronized void traceparent(String value) {
        if (value == null) return;
        if (traceparents.size() == TRACEPARENTS_KEPT) traceparents.removeFirst();
        traceparents.addLast(value);
    }

    public synchronized List<String> traceparents() {
        return List.copyOf(traceparents);
    }

    public synchronized int open() {
        return open;
    }

    public synchronized long received() {
        return received;
    }

    /** Completes when no request is open (at once if none is). */
    public Future<Void> whenIdle() {
        synchronized (this) {
            if (open == 0) return Future.succeededFuture();
            Promise<Void> p = Promise.promise();
            idleWaiters.add(p);
            return p.future();
        }
    }
}
