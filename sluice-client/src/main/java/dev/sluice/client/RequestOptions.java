package dev.sluice.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-call settings; null fields fall back to the client's. Immutable; each {@code with…} returns a copy:
 * {@code RequestOptions.defaults().timeout(Duration.ofSeconds(20)).maxRetries(5).idempotencyKey("order-42")}.
 *
 * @param timeout        per-attempt timeout (until the response headers arrive)
 * @param maxRetries     retries after the first attempt
 * @param headers        extra headers, sent on every attempt (they override the client's)
 * @param idempotencyKey the {@code Idempotency-Key} of a POST; generated once per call when null
 * @param deadline       the whole call's budget across attempts, waits included, measured from the call's start
 */
public record RequestOptions(Duration timeout, Integer maxRetries, Map<String, String> headers, String idempotencyKey,
                             Duration deadline) {

    private static final RequestOptions DEFAULTS = new RequestOptions(null, null, Map.of(), null, null);

    public RequestOptions {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (maxRetries != null && maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
    }

    public static RequestOptions defaults() {
        return DEFAULTS;
    }

    public RequestOptions timeout(Duration t) {
        return new RequestOptions(t, maxRetries, headers, idempotencyKey, deadline);
    }

    public RequestOptions maxRetries(int n) {
        return new RequestOptions(timeout, n, headers, idempotencyKey, deadline);
    }

    public RequestOptions header(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new RequestOptions(timeout, maxRetries, h, idempotencyKey, deadline);
    }

    public RequestOptions idempotencyKey(String key) {
        return new RequestOptions(timeout, maxRetries, headers, key, deadline);
    }

    public RequestOptions deadline(Duration budget) {
        return new RequestOptions(timeout, maxRetries, headers, idempotencyKey, budget);
    }
}
