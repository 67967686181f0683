package dev.sluice.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A clock that only moves when the code under test sleeps: every sleep is recorded and advances time. */
public final class FakeTime extends Clock implements Sleeper {
    public static final Instant START = Instant.parse("2026-03-01T12:00:00Z");
    private volatile Instant now = START;
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void sleep(Duration d) {
        sleeps.add(d);
        now = now.plus(d);
    }

    public List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }

    public Duration elapsed() {
        return Duration.between(START, now);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
