package dev.sluice.protocol.time;

import java.time.Clock;

/**
 * A monotonic nanosecond source, injected wherever code measures elapsed time (timeouts, backoff deadlines, caches), so
 * tests move time by hand. The one clock-to-ticker adapter of the project lives here.
 */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanos();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }

    /**
     * The system ticker for the system clock; otherwise nanoseconds derived from {@code clock}'s milliseconds, so a test
     * that moves a fake clock also moves everything timed by the ticker.
     */
    static Ticker of(Clock clock) {
        if (clock instanceof Ticker t) return t;
        if (clock.equals(Clock.systemUTC()) || clock.equals(Clock.systemDefaultZone())) return system();
        return () -> clock.millis() * 1_000_000L;
    }
}
