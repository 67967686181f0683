package dev.sluice.gateway.idempotency;

import java.util.Map;

/**
 * What the store holds under one key: a reservation by the request still running, or its completed answer.
 * {@code fingerprint} is the hash of the route and body the key was first used with.
 */
public sealed interface IdempotencyRecord {
    String fingerprint();

    String requestId();

    /** The request that holds the key is still running. */
    record InFlight(String fingerprint, String requestId) implements IdempotencyRecord {}

    /** The stored answer, replayed byte for byte with the original {@code x-request-id}. */
    record Completed(String fingerprint, String requestId, int status, Map<String, String> headers, byte[] body)
            implements IdempotencyRecord {
        public Completed {
            headers = Map.copyOf(headers);
        }

        /** Approximate bytes held, for the memory store's bound. */
        int weight() {
            int w = 128 + body.length;
            for (Map.Entry<String, String> h : headers.entrySet()) w += h.getKey().length() + h.getValue().length();
            return w;
        }
    }
}
