package dev.sluice.client.internal;

import dev.sluice.protocol.Durations;
import dev.sluice.protocol.Headers;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client-side pacing per model, fed by the {@code x-ratelimit-*} headers of every answer: when the server said no
 * request (or no token) capacity is left until a reset, a request for that model waits for the reset instead of
 * being sent into a 429. Requests are counted down locally between answers; after a reset the bucket is full again.
 * Waits longer than {@code maxWait} are not taken (the request goes out and the retry policy handles the answer).
 */
public final class Pacer {
    private final Map<String, Window> requests = new ConcurrentHashMap<>();
    private final Map<String, Window> tokens = new ConcurrentHashMap<>();
    private final Duration maxWait;

    public Pacer(Duration maxWait) {
        this.maxWait = maxWait;
    }

    /** How long a request for {@code model} must wait now; when zero, one request is counted against the window. */
    public Duration reserve(String model, Instant now) {
        if (model == null) return Duration.ZERO;
        Window r = requests.get(model);
        Window t = tokens.get(model);
        Duration wait = Duration.ZERO;
        if (r != null) wait = max(wait, r.waitAt(now));
        if (t != null) wait = max(wait, t.waitAt(now));
        if (wait.compareTo(maxWait) > 0) wait = Duration.ZERO;
        if (wait.isZero() && r != null) r.take();
        return wait;
    }

    /** Reads the rate-limit headers of an answer for {@code model} (success and 429 alike). */
    public void observe(String model, HttpHeaders h, Instant now) {
        if (model == null || h == null) return;
        update(requests, model, h, Headers.LIMIT_REQUESTS, Headers.REMAINING_REQUESTS, Headers.RESET_REQUESTS, now);
        update(tokens, model, h, Headers.LIMIT_TOKENS, Headers.REMAINING_TOKENS, Headers.RESET_TOKENS, now);
    }

    private static void update(Map<String, Window> map, String model, HttpHeaders h, String limitName,
                               String remainingName, String resetName, Instant now) {
        OptionalLong remaining = number(h, remainingName);
        if (remaining.isEmpty()) return;
        OptionalLong limit = number(h, limitName);
        Instant resetAt = h.firstValue(resetName).flatMap(Durations::parse).map(now::plus).orElse(null);
        map.computeIfAbsent(model, m -> new Window()).set(limit, remaining.getAsLong(), resetAt);
    }

    private static OptionalLong number(HttpHeaders h, String name) {
        try {
            return h.firstValue(name).map(v -> OptionalLong.of(Long.parseLong(v.trim()))).orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** One window of one model: what the server last said is left, and when it refills. */
    private static final class Window {
        private long limit = -1;
        private long remaining = -1;
        private Instant resetAt;

        synchronized void set(OptionalLong limit, long remaining, Instant resetAt) {
            this.limit = limit.orElse(-1);
            this.remaining = remaining;
            this.resetAt = resetAt;
        }

        synchronized Duration waitAt(Instant now) {
            if (resetAt != null && !now.isBefore(resetAt)) {
                remaining = limit; // refilled (unknown limit reads as unknown)
                resetAt = null;
            }
            if (remaining == 0 && resetAt != null) return Duration.between(now, resetAt);
            return Duration.ZERO;
        }

        synchronized void take() {
            if (remaining > 0) remaining--;
        }
    }
}
