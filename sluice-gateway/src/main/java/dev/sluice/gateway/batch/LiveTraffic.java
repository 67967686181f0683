package dev.sluice.gateway.batch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells batch runners whether live (non-batch) model requests are being served, so a batch yields the machine to
 * them: it counts requests that reach the upstream call without {@code x-sluice-priority: batch}. While any ran in
 * the last {@link #QUIET_MS} ms, runners send one line at a time at a paced rate instead of their full concurrency.
 */
public final class LiveTraffic {
    /** Live traffic counts as present until it has been absent this long. */
    static final long QUIET_MS = 250;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lastSeen = System.nanoTime() - TimeUnit.SECONDS.toNanos(60);

    /** True while live requests are in flight or ended less than {@link #QUIET_MS} ago. */
    boolean active() {
        return inFlight.get() > 0 || System.nanoTime() - lastSeen < TimeUnit.MILLISECONDS.toNanos(QUIET_MS);
    }

    /** A live request has reached the upstream call. */
    void started() {
        inFlight.incrementAndGet();
        lastSeen = System.nanoTime();
    }

    /** That request has ended. */
    void ended() {
        lastSeen = System.nanoTime();
        inFlight.decrementAndGet();
    }
}
