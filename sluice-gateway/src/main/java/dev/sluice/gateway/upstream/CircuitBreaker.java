package dev.sluice.gateway.upstream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The circuit of one deployment: closed until {@code threshold} consecutive failures, then open (the deployment is
 * skipped) for a cool-down, then half-open: one probe request may go, and its outcome closes or re-opens the
 * circuit. Time comes from the injected clock; methods are synchronized because event loops share breakers.
 */
public final class CircuitBreaker {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.upstream");

    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final String name;
    private final int threshold;
    private final Duration coolDown;
    private final Clock clock;
    private boolean open;
    private int consecutiveFailures;
    private Instant openedAt;
    private boolean probeInFlight;

    public CircuitBreaker(String name, int threshold, Duration coolDown, Clock clock) {
        this.name = name;
        this.threshold = threshold;
        this.coolDown = coolDown;
        this.clock = clock;
    }

    public String name() { return name; }

    /** CLOSED, OPEN, or HALF_OPEN once the cool-down has passed (a probe may go, or is in flight). */
    public synchronized State state() {
        if (!open) return State.CLOSED;
        return coolDownOver() ? State.HALF_OPEN : State.OPEN;
    }

    /** Milliseconds until an open circuit lets a probe through; 0 when closed or already half-open. */
    public synchronized long remainingOpenMs() {
        if (!open) return 0;
        return Math.max(0, openedAt.plus(coolDown).toEpochMilli() - clock.millis());
    }

    /** Whether a request could go now, without taking the probe permit. */
    public synchronized boolean wouldAllow() {
        return !open || (coolDownOver() && !probeInFlight);
    }

    /**
     * Takes permission for one attempt: always when closed; when half-open only the first caller (the probe) gets
     * it. Every granted permit must be answered with {@link #onSuccess}, {@link #onFailure} or {@link #onNeutral}.
     */
    public synchronized boolean tryAcquire() {
        if (!open) return true;
        if (!coolDownOver() || probeInFlight) return false;
        probeInFlight = true;
        return true;
    }

    /** The deployment answered: a probe closes the circuit, and the failure count starts again. */
    public synchronized void onSuccess() {
        consecutiveFailures = 0;
        probeInFlight = false;
        if (open) {
            open = false;
            LOG.info("circuit closed: deployment={} answered again", name);
        }
    }

    /** The deployment failed: counts toward opening; a failed probe re-opens for another cool-down. */
    public synchronized void onFailure() {
        if (open) {
            if (probeInFlight || coolDownOver()) {
                probeInFlight = false;
                openedAt = clock.instant();
                LOG.warn("circuit re-opened: deployment={} failed its probe; next probe in {}ms", name,
                        coolDown.toMillis());
            }
            return;
        }
        consecutiveFailures++;
        if (consecutiveFailures >= threshold) {
            open = true;
            openedAt = clock.instant();
            LOG.warn("circuit opened: deployment={} after {} consecutive failures; probe in {}ms", name,
                    consecutiveFailures, coolDown.toMillis());
        }
    }

    /**
     * The provider refused the deployment's account for a long time (a monthly spend cap): open the circuit now,
     * whatever the count, so only one probe per cool-down goes there until the operator fixes the account.
     */
    public synchronized void trip() {
        probeInFlight = false;
        consecutiveFailures = threshold;
        if (!open) LOG.warn("circuit opened: deployment={} refused by its provider account; probe in {}ms", name,
                coolDown.toMillis());
        open = true;
        openedAt = clock.instant();
    }

    /** The attempt said nothing about health (rate limited, cancelled, a fault the caller asked for). */
    public synchronized void onNeutral() {
        probeInFlight = false;
    }

    private boolean coolDownOver() {
        return !clock.instant().isBefore(openedAt.plus(coolDown));
    }
}
