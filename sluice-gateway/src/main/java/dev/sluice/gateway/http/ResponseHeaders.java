package dev.sluice.gateway.http;

import dev.sluice.protocol.Headers;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Header names and values an answer carries on every request, encoded once as {@link io.netty.util.AsciiString}: a
 * response header map hashes and validates an AsciiString name from its bytes (hash kept) instead of a String's
 * characters on every request. {@link #copy} moves the stages' headers onto the answer with these names.
 *
 * <p>Values made per request ({@link #number}, {@link #duration}) are AsciiStrings too, built from their digits: the
 * same bytes on the wire as the String the stages used to set, but Vert.x then writes a value into the socket's
 * buffer with one copy instead of character by character, and no String is made on the way.
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
    public static final CharSequence UPSTREAM_REQUEST_ID = HttpHeaders.createOptimized(Headers.UPSTREAM_REQUEST_ID);
    public static final CharSequence SLUICE_ATTEMPTS = HttpHeaders.createOptimized(Headers.SLUICE_ATTEMPTS);

    /** The numbers a request's headers carry most (attempts, small counts), made once. */
    private static final AsciiString[] SMALL = small(100);

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

    /** {@code n} as {@link Long#toString(long)} spells it, as an AsciiString. */
    public static CharSequence number(long n) {
        if (n >= 0 && n < SMALL.length) return SMALL[(int) n];
        byte[] b = new byte[digits(n)];
        putDigits(b, b.length, n);
        return new AsciiString(b, false);
    }

    /**
     * {@code millis} as {@link dev.sluice.protocol.Durations#formatMillis} spells it ({@code 250ms}, {@code 1.5s},
     * {@code 1m0s}, {@code 2h3m4.005s}; negative as 0), as an AsciiString made from its digits.
     */
    public static CharSequence duration(long millis) {
        if (millis < 0) millis = 0;
        if (millis < 1000) {
            int n = digits(millis);
            byte[] b = new byte[n + 2];
            putDigits(b, n, millis);
            b[n] = 'm';
            b[n + 1] = 's';
            return new AsciiString(b, false);
        }
        long hours = millis / 3_600_000;
        long minutes = (millis / 60_000) % 60;
        long secMillis = millis % 60_000;
        long seconds = secMillis / 1000;
        int fraction = (int) (secMillis % 1000); // its trailing zeros dropped: .500 is .5, .000 is nothing
        int fractionDigits = 3;
        while (fractionDigits > 0 && fraction % 10 == 0) {
            fraction /= 10;
            fractionDigits--;
        }
        boolean withMinutes = hours > 0 || minutes > 0;
        int length = (hours > 0 ? digits(hours) + 1 : 0) + (withMinutes ? digits(minutes) + 1 : 0) + digits(seconds)
                + (fractionDigits > 0 ? fractionDigits + 1 : 0) + 1;
        byte[] b = new byte[length];
        int at = 0;
        if (hours > 0) at = put(b, at, hours, 'h');
        if (withMinutes) at = put(b, at, minutes, 'm');
        at += digits(seconds);
        putDigits(b, at, seconds);
        if (fractionDigits > 0) {
            b[at++] = '.';
            for (int i = at + fractionDigits - 1; i >= at; i--) { // .05 for 50 ms: with its leading zero
                b[i] = (byte) ('0' + fraction % 10);
                fraction /= 10;
            }
            at += fractionDigits;
        }
        b[at] = 's';
        return new AsciiString(b, false);
    }

    /** Writes {@code n} then {@code unit} at {@code at}; the index after them. */
    private static int put(byte[] b, int at, long n, char unit) {
        at += digits(n);
        putDigits(b, at, n);
        b[at] = (byte) unit;
        return at + 1;
    }

    /** The digits of {@code n} (a minus sign first when negative), ending just before index {@code end}. */
    private static void putDigits(byte[] b, int end, long n) {
        boolean negative = n < 0;
        int i = end;
        do {
            b[--i] = (byte) ('0' + Math.abs(n % 10));
            n /= 10;
        } while (n != 0);
        if (negative) b[--i] = '-';
    }

    /** How many characters {@link Long#toString(long)} gives for {@code n}. */
    private static int digits(long n) {
        int d = n < 0 ? 2 : 1; // the sign and the last digit
        while (n <= -10 || n >= 10) {
            n /= 10;
            d++;
        }
        return d;
    }

    private static AsciiString[] small(int n) {
        AsciiString[] a = new AsciiString[n];
        for (int i = 0; i < n; i++) a[i] = AsciiString.cached(Integer.toString(i));
        return a;
    }

    private static Map<String, CharSequence> names(String... names) {
        Map<String, CharSequence> m = new HashMap<>();
        for (String n : names) m.put(n, HttpHeaders.createOptimized(n));
        return Map.copyOf(m);
    }
}
