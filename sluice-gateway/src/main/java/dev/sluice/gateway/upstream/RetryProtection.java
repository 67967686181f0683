package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;

/**
 * What keeps Sluice's retries from multiplying its callers' (docs/upstreams.md, "Retries that fit the callers"): the
 * per-deployment retry budget, the retry hint of every final 5xx, and the caller's declared deadline.
 */
public record RetryProtection(SluiceConfig.RetryBudget budget, SluiceConfig.RetryHints hints,
                              SluiceConfig.CallerDeadlines deadlines) {

    public static RetryProtection of(SluiceConfig c) {
        return new RetryProtection(c.retryBudget(), c.retryHints(), c.callerDeadlines());
    }
}
