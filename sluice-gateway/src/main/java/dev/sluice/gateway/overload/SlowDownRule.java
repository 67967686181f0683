package dev.sluice.gateway.overload;

import dev.sluice.gateway.config.SluiceConfig;

/**
 * The Slow Down rule of product.md in numbers. Requests are counted per project in 10-second slots; "the last
 * minute" is the current slot and the five before it, "the trailing 15-minute average" is the 90 slots before those
 * divided by 15. A request is refused when, with it, the last minute would exceed both {@code floor} and
 * {@code multiplier} x that average, where {@code multiplier = max(factor, 1 + ramp)}: growth within the ramp
 * (by default +50 % per 15 minutes) therefore always passes. Only admitted requests are counted, so a refused burst
 * does not raise its own baseline. The Redis script {@code slow-down.lua} computes exactly the same.
 */
public record SlowDownRule(long floor, double multiplier) {
    public static final long SLOT_MS = 10_000;
    /** Slots in the last minute. */
    public static final int RECENT = 6;
    /** Slots counted in all: the last minute and the 15 minutes before it. */
    public static final int SLOTS = RECENT + 90;

    public static SlowDownRule of(SluiceConfig.SlowDown cfg) {
        return new SlowDownRule(cfg.floorRpm(), Math.max(cfg.factor(), 1 + cfg.ramp()));
    }

    /** Whether one more request passes, given the last minute's count and the 15 minutes' count before it. */
    public boolean admits(long lastMinute, long trailing) {
        double threshold = Math.max((double) floor, trailing / 15.0 * multiplier);
        return lastMinute + 1 <= threshold;
    }

    /** Milliseconds until the oldest slot of the last minute leaves it (the shedding window). */
    public static long waitMs(long nowMs) {
        long slot = Math.floorDiv(nowMs, SLOT_MS);
        return (slot + 1) * SLOT_MS - nowMs;
    }

    /** What a check found: admitted or not, and the counts it decided on. */
    public record Verdict(boolean admitted, long lastMinute, long trailing, long waitMs) {}
}
