package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;

import java.time.Clock;

/**
 * The retry budget of one deployment (after Envoy's and Finagle's): over a sliding window, the retries it is sent may
 * be at most {@code ratio} x the requests it is sent, plus {@code minPerSecond} per second so that a quiet deployment
 * can still retry a rare failure. A retry here is a further attempt of one client request on a deployment that
 * request already tried; the first attempt of a request on a deployment (a new request, or a failover from another
 * deployment) is a request. So a dying deployment gets about one attempt per client request, not three.
 * The window is ten buckets on the injected clock; methods are synchronized because event loops share budgets.
 */
final class RetryBudget {
    private static final int BUCKETS = 10;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("sluice.upstream");

    private final boolean enabled;
    private final double ratio;
    private final double minRetries;
    private final long bucketMs;
    private final Clock clock;
    private final long[] requests = new long[BUCKETS];
    private final long[] retries = new long[BUCKETS];
    private long currentBucket = Long.MIN_VALUE;
    private final String name;
    private long deniedSinceLog;
    private long lastLogBucket = Long.MIN_VALUE;

    public RetryBudget(SluiceConfig.RetryBudget settings, Clock clock) {
        this("", settings, clock);
    }

    /** @param name {@code model/deployment}, for the log line that says the budget is spent */
    public RetryBudget(String name, SluiceConfig.RetryBudget settings, Clock clock) {
        this.name = name;
        this.enabled = settings.enabled();
        this.ratio = settings.ratio();
        this.minRetries = settings.minPerSecond() * settings.windowMs() / 1000.0;
        this.bucketMs = Math.max(1, settings.windowMs() / BUCKETS);
        this.clock = clock;
    }

    /** A request's first attempt on this deployment. */
    public synchronized void onRequest() {
        roll();
        requests[index(currentBucket)]++;
    }

    /** Takes a retry from the budget; false (nothing taken) when the window's retries are used up. */
    public synchronized boolean tryRetry() {
        if (!enabled) return true;
        roll();
        long req = 0, ret = 0;
        for (int i = 0; i < BUCKETS; i++) {
            req += requests[i];
            ret += retries[i];
        }
        if (ret + 1 > ratio * req + minRetries) {
            deniedSinceLog++;
            if (lastLogBucket == Long.MIN_VALUE || currentBucket - lastLogBucket >= BUCKETS) { // once per window
                LOG.warn("retry budget spent: deployment={} requests={} retries={} in the last {}ms; {} retries "
                        + "refused since the last report", name, req, ret, bucketMs * BUCKETS, deniedSinceLog);
                lastLogBucket = currentBucket;
                deniedSinceLog = 0;
            }
            return false;
        }
        retries[index(currentBucket)]++;
        return true;
    }

    /** Clears the buckets that fell out of the window since the last call. */
    private void roll() {
        long now = Math.floorDiv(clock.millis(), bucketMs);
        if (currentBucket == Long.MIN_VALUE || now - currentBucket >= BUCKETS) {
            java.util.Arrays.fill(requests, 0);
            java.util.Arrays.fill(retries, 0);
        } else {
            for (long b = currentBucket + 1; b <= now; b++) {
                requests[index(b)] = 0;
                retries[index(b)] = 0;
            }
        }
        if (currentBucket == Long.MIN_VALUE || now > currentBucket) currentBucket = now;
    }

    private static int index(long bucket) {
        return (int) Math.floorMod(bucket, (long) BUCKETS);
    }
}
