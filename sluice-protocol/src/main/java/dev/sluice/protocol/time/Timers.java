package dev.sluice.protocol.time;

/**
 * Schedules work after a delay. Production code gets an implementation on its event loop (the gateway's on Vert.x
 * timers); tests get {@code dev.sluice.testing.FakeTime}, where a task runs only when the test advances time past it.
 */
@FunctionalInterface
public interface Timers {
    /** Runs {@code task} once after {@code delayMs} (at least 1 ms is waited). */
    Timer schedule(long delayMs, Runnable task);

    /** A scheduled task. */
    @FunctionalInterface
    interface Timer {
        /** Stops the task if it has not run; true when this call stopped it. */
        boolean cancel();
    }
}
