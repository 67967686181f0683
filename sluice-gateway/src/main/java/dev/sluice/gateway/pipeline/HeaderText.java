package dev.sluice.gateway.pipeline;

import dev.sluice.protocol.Headers;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpHeaders;

/**
 * Header names and values the stages put on an answer ({@link Exchange#responseHeaders()}), as
 * {@link AsciiString}s: names encoded once (a header map hashes and checks them from bytes, hash kept), values made
 * per request from their digits ({@link #number}, {@link #duration}). The bytes on the wire are those of the Strings
 * they replace, but Vert.x writes an AsciiString value into the socket's buffer in one copy instead of character by
 * character, and no String is made on the way.
 */
public final class HeaderText {
    public static final CharSequence SLUICE_ATTEMPTS = HttpHeaders.createOptimized(Headers.SLUICE_ATTEMPTS);
    public static final CharSequence UPSTREAM_REQUEST_ID = HttpHeaders.createOptimized(Headers.UPSTREAM_REQUEST_ID);

    /** The numbers a request's headers carry most (attempts, small counts), made once. */
    private static final AsciiString[] SMALL = small(100);

    private HeaderText() {
    }

    /** {@code n} as {@link Long#toString(long)} spells it, as an AsciiString. */
    public static CharSequence number(long n) {
        if (n >= 0 && n < SMALL.length) return SMALL[(int) n];
        byte[] b = new byte[digits(n)];
        putDigits(b, b.length, n);
        return new AsciiString(b, false);
    }

    /**
     * A number header whose value is the same on almost every answer (a configured limit): the AsciiString of its
     * last value is given again while the value stays, so the header costs no allocation. The event loops share it
     * without a lock: the kept pair is immutable (final fields), so a loop reads an old pair or a new one, never half
     * of one; two loops that race on a new value spell it twice, which is all a lost update costs.
     */
    public static final class RepeatedNumber {
        private record Spelled(long value, CharSequence text) {}

        private Spelled last = new Spelled(0, number(0));

        /** {@link #number(long) number(n)}, the last one's text when {@code n} is the last value. */
        public CharSequence of(long n) {
            Spelled s = last;
            if (s.value() != n) {
                s = new Spelled(n, number(n));
                last = s;
            }
            return s.text();
        }
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

    /** How many characters {@link Long#toString(long)} gives for {@code n} (compared, not divided, digit by digit). */
    private static int digits(long n) {
        if (n < 0) return n == Long.MIN_VALUE ? 20 : 1 + digits(-n);
        long bound = 10;
        for (int d = 1; d < 19; d++, bound *= 10) {
            if (n < bound) return d;
        }
        return 19;
    }

    private static AsciiString[] small(int n) {
        AsciiString[] a = new AsciiString[n];
        for (int i = 0; i < n; i++) a[i] = AsciiString.cached(Integer.toString(i));
        return a;
    }
}
