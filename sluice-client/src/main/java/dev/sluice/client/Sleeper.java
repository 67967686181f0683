package dev.sluice.client;

import java.time.Duration;

/** Waits between attempts and for pacing. Injected so that tests record the waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps on the calling thread; interruptible. */
    Sleeper SYSTEM = d -> {
        if (!d.isNegative() && !d.isZero()) Thread.sleep(d);
    };

    void sleep(Duration duration) throws InterruptedException;
}
