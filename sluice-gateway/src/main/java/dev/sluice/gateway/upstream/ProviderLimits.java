package dev.sluice.gateway.upstream;

import dev.sluice.protocol.Durations;
import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;

/**
 * The rate limits a provider reported on its answer, normalised to OpenAI's terms (limit, remaining, time to reset)
 * for requests and for tokens. {@link #applyTighter} puts them in the caller's {@code x-ratelimit-*} headers where
 * they leave less room than Sluice's own limits (or where Sluice has none), as Envoy reports the tightest limit.
 */
public record ProviderLimits(Window requests, Window tokens) {
    public static final ProviderLimits NONE = new ProviderLimits(null, null);

    /** One limit: {@code resetMs} -1 when the provider gave no reset. */
    public record Window(long limit, long remaining, long resetMs) {}

    /** Sets the caller's headers of each window the provider reported that is tighter than what is there. */
    public void applyTighter(MultiMap headers) {
        apply(headers, requests, Headers.LIMIT_REQUESTS, Headers.REMAINING_REQUESTS, Headers.RESET_REQUESTS);
        apply(headers, tokens, Headers.LIMIT_TOKENS, Headers.REMAINING_TOKENS, Headers.RESET_TOKENS);
    }

    private static void apply(MultiMap h, Window w, String limit, String remaining, String reset) {
        if (w == null || w.remaining() < 0) return;
        String current = h.get(remaining);
        if (current != null) {
            try {
                if (Long.parseLong(current.trim()) <= w.remaining()) return;
            } catch (NumberFormatException ignored) {
                // an unreadable value of ours is replaced
            }
        }
        h.set(limit, Long.toString(Math.max(w.limit(), w.remaining())));
        h.set(remaining, Long.toString(w.remaining()));
        if (w.resetMs() >= 0) h.set(reset, Durations.formatMillis(w.resetMs()));
        else h.remove(reset);
    }

    /** A header's whole number, or -1. */
    public static long number(String v) {
        if (v == null) return -1;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
