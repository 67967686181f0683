package dev.sluice.gateway.http;

import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Header names and values an answer carries on every request, encoded once as {@link io.netty.util.AsciiString}: a
 * response header map hashes and validates an AsciiString name from its bytes (hash kept) instead of a String's
 * characters on every request. {@link #copy} moves the stages' headers onto the answer with these names.
 * The stages make their values the same way ({@link dev.sluice.gateway.pipeline.HeaderText}).
 */
public final class ResponseHeaders {
    public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(Headers.REQUEST_ID);
    public static final CharSequence OPENAI_VERSION = HttpHeaders.createOptimized(Headers.OPENAI_VERSION);
    public static final CharSequence OPENAI_VERSION_VALUE = HttpHeaders.createOptimized(Headers.OPENAI_VERSION_VALUE);
    public static final CharSequence PROCESSING_MS = HttpHeaders.createOptimized(Headers.PROCESSING_MS);
    public static final CharSequence SHOULD_RETRY = HttpHeaders.createOptimized(Headers.SHOULD_RETRY);
    public static final CharSequence TRUE = HttpHeaders.createOptimized("true");
    public static final CharSequence FALSE = HttpHeaders.createOptimized("false");
    public static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    /** The names stages put on answers (as the stages spell them), and their encoded form. */
    private static final Map<String, CharSequence> NAMES = names(Headers.REQUEST_ID, Headers.OPENAI_ORGANIZATION,
            Headers.OPENAI_PROJECT, Headers.LIMIT_REQUESTS, Headers.REMAINING_REQUESTS, Headers.RESET_REQUESTS,
            Headers.LIMIT_TOKENS, Headers.REMAINING_TOKENS, Headers.RESET_TOKENS, Headers.SLUICE_ATTEMPTS,
            Headers.UPSTREAM_REQUEST_ID, Headers.RETRY_AFTER, Headers.RETRY_AFTER_MS, "x-sluice-fallback-model",
            "x-sluice-idempotent-replay");

    private ResponseHeaders() {
    }

    /**
     * Sets every header of {@code from} on {@code to} (a name set twice in {@code from} ends with its last value),
     * names the stages use in their encoded form; what is written on the wire is the same.
     */
    public static void copy(MultiMap from, MultiMap to) {
        if (from.isEmpty()) return;
        if (from instanceof io.netty.handler.codec.http.HttpHeaders h) { // Vert.x's own map: no String entries made
            Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
            while (it.hasNext()) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                to.set(name(e.getKey()), e.getValue());
            }
        } else {
            for (Map.Entry<String, String> e : from) to.set(name(e.getKey()), e.getValue());
        }
    }

    /** The encoded form of a known name, or the name itself. */
    public static CharSequence name(CharSequence name) {
        if (name instanceof String s) {
            CharSequence known = NAMES.get(s);
            if (known != null) return known;
        }
        return name;
    }

    private static Map<String, CharSequence> names(String... names) {
        Map<String, CharSequence> m = new HashMap<>();
        for (String n : names) m.put(n, HttpHeaders.createOptimized(n));
        return Map.copyOf(m);
    }
}
