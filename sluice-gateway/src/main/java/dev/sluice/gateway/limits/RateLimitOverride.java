package dev.sluice.gateway.limits;

/**
 * What an organization or project set for one model family through the admin API; null values inherit the
 * sluice.yaml default. {@code batch1DayMaxInputTokens} is kept and shown (OpenAI's field) for the batch work.
 */
record RateLimitOverride(LimitSet values, Long batch1DayMaxInputTokens) {
    public static final RateLimitOverride NONE = new RateLimitOverride(LimitSet.NONE, null);
}
