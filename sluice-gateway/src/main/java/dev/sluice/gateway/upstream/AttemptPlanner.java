package dev.sluice.gateway.upstream;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Decides a request's next upstream attempt. Pure: given the per-deployment states, the deployment tried last, the
 * attempts made, the ticker's now and the request's elapsed time and budget, it names the deployment to try and how
 * long to wait first, or gives up; after a failure it records the backoff (jittered by the injected random source,
 * never shorter than the upstream's retry-after) on that deployment's state. No I/O, no timers, no clock of its own.
 */
record AttemptPlanner(RetryPolicy retries) {

    /** What the request does next. */
    sealed interface Step permits Launch, GiveUp {}

    /** Try deployment {@code index} of the plan after {@code delayMs} (0: now). */
    record Launch(int index, long delayMs) implements Step {}

    /** No attempt is left: the attempts are spent, no deployment is available, or the wait outlasts the budget. */
    record GiveUp() implements Step {}

    private static final GiveUp GIVE_UP = new GiveUp();

    /**
     * The next attempt: in plan order after {@code last} (so a failure moves to the next deployment first), skipping
     * excluded deployments and open circuits, preferring whichever may go soonest.
     *
     * @param last      the index tried last, -1 before the first attempt
     * @param attempts  attempts made so far
     * @param elapsedMs time the request has spent upstream
     * @param totalMs   the request's upstream budget
     */
    Step next(List<DeploymentState> plan, int last, int attempts, long nowNanos, long elapsedMs, long totalMs) {
        if (attempts >= retries.maxAttempts()) return GIVE_UP;
        int n = plan.size();
        int best = -1;
        for (int k = 0; k < n; k++) {
            int i = (last + 1 + k) % n;
            if (!plan.get(i).available()) continue;
            if (best < 0 || plan.get(i).notBeforeNanos() < plan.get(best).notBeforeNanos()) best = i;
        }
        if (best < 0) return GIVE_UP;
        long notBefore = plan.get(best).notBeforeNanos();
        long waitMs = notBefore == DeploymentState.NOW ? 0 : Math.max(0, (notBefore - nowNanos + 999_999) / 1_000_000);
        if (waitMs > 0 && elapsedMs + waitMs >= totalMs) return GIVE_UP; // the wait alone would outlast the budget
        return new Launch(best, waitMs);
    }

    /**
     * Records what a failed attempt on {@code d} allows ({@code f.next()} of STOP is the caller's to handle): another
     * deployment only, or a retry here after the jittered backoff or the upstream's retry-after, whichever is longer;
     * a retry-after beyond {@code max_retry_after_ms} takes the deployment out of the request.
     */
    void failed(DeploymentState d, Failure f, long nowNanos, RandomGenerator random) {
        switch (f.next()) {
            case STOP, OTHER_DEPLOYMENT -> d.exclude();
            case RETRY -> {
                long delay = retries.backoffMs(d.failures(), random);
                if (f.retryAfterMs() > retries.maxRetryAfterMs()) {
                    d.failedForGood(); // longer than we wait
                    return;
                }
                if (f.retryAfterMs() > delay) delay = f.retryAfterMs();
                d.backOffUntil(nowNanos + delay * 1_000_000);
            }
        }
    }
}
