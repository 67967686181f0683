package dev.sluice.gateway.usage;

import dev.sluice.gateway.models.ModelSpec;

/**
 * What a finished request is billed, in one place for the ledger, the spend check and the token-limit correction:
 * the prompt when the model answered (the whole answer or part of a stream), and the output actually delivered. A
 * request refused before it reached a model (limits, quota, overload) or that failed with nothing delivered costs
 * nothing. Money is in nano-dollars (USD x 1e9), so prices per 1M tokens become exact integer arithmetic.
 */
public final class Billing {
    public static final long NANOS_PER_USD = 1_000_000_000L;

    private Billing() {}

    public static long billedPromptTokens(UsageRecord r) {
        boolean answered = r.attempts() > 0 && (r.outcome() == Outcome.COMPLETED || r.completionTokens() > 0);
        return answered ? Math.max(0, r.promptTokens()) : 0;
    }

    public static long billedCompletionTokens(UsageRecord r) {
        return r.attempts() > 0 ? Math.max(0, r.completionTokens()) : 0;
    }

    /** Tokens the request counts for token rate limits once it has ended. */
    public static long billedTokens(UsageRecord r) {
        return billedTokens(r.attempts(), r.outcome(), r.promptTokens(), r.completionTokens());
    }

    /** As {@link #billedTokens(UsageRecord)}, from the request's facts before its record is made. */
    public static long billedTokens(int attempts, Outcome outcome, int promptTokens, int completionTokens) {
        boolean answered = attempts > 0 && (outcome == Outcome.COMPLETED || completionTokens > 0);
        return (answered ? Math.max(0, promptTokens) : 0) + (attempts > 0 ? Math.max(0, completionTokens) : 0);
    }

    /** Cost in nano-dollars: tokens x price per 1M tokens x 1000. */
    public static long costNanos(long promptTokens, long completionTokens, ModelSpec model) {
        if (model == null) return 0;
        return Math.round(promptTokens * model.inputPricePer1M() * 1000.0
                + completionTokens * model.outputPricePer1M() * 1000.0);
    }

    public static double usd(long nanos) {
        return nanos / (double) NANOS_PER_USD;
    }

    public static long nanos(double usd) {
        return Math.round(usd * NANOS_PER_USD);
    }
}
