package dev.sluice.gateway.batch;

import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.Headers;
import io.vertx.core.Future;

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

    /** Wraps the terminal upstream stage so live requests are counted while it runs. */
    public Stage meter(Stage upstream) {
        return new Meter(upstream);
    }

    /** The upstream call, counted when it is live traffic. */
    private final class Meter implements Stage {
        private final Stage upstream;

        Meter(Stage upstream) {
            this.upstream = upstream;
        }

        @Override
        public StageOrder order() {
            return upstream.order();
        }

        @Override
        public Future<Void> apply(Exchange ex, Chain next) {
            if (LoopbackClient.PRIORITY_VALUE.equals(ex.header(Headers.SLUICE_PRIORITY))) {
                return upstream.apply(ex, next);
            }
            inFlight.incrementAndGet();
            lastSeen = System.nanoTime();
            Future<Void> f;
            try {
                f = upstream.apply(ex, next);
            } catch (RuntimeException e) {
                ended();
                throw e;
            }
            return f.onComplete(ar -> ended());
        }

        private void ended() {
            lastSeen = System.nanoTime();
            inFlight.decrementAndGet();
        }
    }
}
