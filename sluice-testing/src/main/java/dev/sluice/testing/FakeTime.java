package dev.sluice.testing;

import dev.sluice.protocol.time.Ticker;
import dev.sluice.protocol.time.Timers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The one fake time of the project's tests: a wall clock, a monotonic ticker and a scheduler that stand still until
 * the test moves them. {@link #advance} runs, on the test's thread and in due order, every task scheduled at or before
 * the new time; {@link #sleep} (for code that sleeps, as the client's retries do) records the sleep and advances.
 * Safe to read from other threads while the test moves it.
 */
public final class FakeTime extends Clock implements Ticker, Timers {
    public static final Instant DEFAULT_START = Instant.parse("2026-03-01T12:00:00Z");

    private final Instant start;
    private long nanos;
    private long sequence;
    private final PriorityQueue<Task> due = new PriorityQueue<>();
    private final List<Duration> sleeps = new ArrayList<>();

    public FakeTime(Instant start) {
        this.start = start;
    }

    public FakeTime() {
        this(DEFAULT_START);
    }

    /** Starts at the current time (for code that also compares with real timestamps, e.g. HTTP dates). */
    public static FakeTime startingNow() {
        return new FakeTime(Instant.now());
    }

    public static FakeTime at(String instant) {
        return new FakeTime(Instant.parse(instant));
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way, in order. */
    public void advance(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("time only moves forward: " + d);
        long target;
        synchronized (this) {
            target = nanos + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = due.peek();
                if (next == null || next.atNanos > target) {
                    nanos = target;
                    return;
                }
                due.poll();
                nanos = Math.max(nanos, next.atNanos);
            }
            next.task.run();
        }
    }

    /** Records a sleep of {@code d} and advances by it. */
    public void sleep(Duration d) {
        synchronized (this) {
            sleeps.add(d);
        }
        advance(d);
    }

    public synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    public synchronized Duration elapsed() {
        return Duration.ofNanos(nanos);
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public synchronized int pending() {
        return due.size();
    }

    @Override
    public synchronized Timer schedule(long delayMs, Runnable task) {
        Task t = new Task(nanos + Math.max(1, delayMs) * 1_000_000L, sequence++, task);
        due.add(t);
        return () -> {
            synchronized (FakeTime.this) {
                return due.remove(t);
            }
        };
    }

    @Override
    public synchronized long nanos() {
        return nanos;
    }

    @Override
    public synchronized Instant instant() {
        return start.plusNanos(nanos);
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    private record Task(long atNanos, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = Long.compare(atNanos, o.atNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
