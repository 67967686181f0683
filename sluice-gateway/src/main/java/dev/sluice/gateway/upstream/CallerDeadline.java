package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;

import java.util.function.Function;

/**
 * How long one request may spend upstream: {@code upstream_timeouts.total_ms}, or less when the caller declared its
 * own timeout — {@code x-sluice-timeout-ms} (milliseconds), else {@code X-Stainless-Timeout} (seconds, as the official
 * OpenAI SDKs send their per-attempt timeout) — less a margin (at most half of it), so Sluice's 504 reaches the
 * caller before the caller gives up and retries blind. Unreadable or non-positive values are ignored.
 */
record CallerDeadline(boolean enabled, long marginMs) {
    static final String SLUICE_TIMEOUT_MS = "x-sluice-timeout-ms";
    static final String STAINLESS_TIMEOUT = "x-stainless-timeout";

    static CallerDeadline of(SluiceConfig.CallerDeadlines d) {
        return new CallerDeadline(d.enabled(), d.marginMs());
    }

    /** The request's upstream budget in milliseconds, given the configured total and the request's headers. */
    long totalMs(long configuredTotalMs, Function<String, String> headers) {
        if (!enabled) return configuredTotalMs;
        long declared = parse(headers.apply(SLUICE_TIMEOUT_MS), 1);
        if (declared <= 0) declared = parse(headers.apply(STAINLESS_TIMEOUT), 1000);
        if (declared <= 0) return configuredTotalMs;
        long budget = declared - Math.min(marginMs, declared / 2);
        return Math.max(1, Math.min(configuredTotalMs, budget));
    }

    /** The header's value times {@code unitMs}, or -1 when absent, unreadable, not finite or not positive. */
    private static long parse(String v, long unitMs) {
        if (v == null || v.isBlank() || v.length() > 32) return -1;
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d) || d <= 0) return -1;
            return (long) Math.min(Long.MAX_VALUE / 2.0, Math.floor(d * unitMs));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
