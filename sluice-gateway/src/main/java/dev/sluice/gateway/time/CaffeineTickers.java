package dev.sluice.gateway.time;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Clock;

/** Caffeine's ticker on the project's one clock-to-ticker adapter, so a test that moves a fake clock ages caches. */
public final class CaffeineTickers {
    private CaffeineTickers() {}

    /** {@link dev.sluice.protocol.time.Ticker#of(Clock)} as a Caffeine {@link Ticker}. */
    public static Ticker of(Clock clock) {
        dev.sluice.protocol.time.Ticker t = dev.sluice.protocol.time.Ticker.of(clock);
        return t::nanos;
    }
}
