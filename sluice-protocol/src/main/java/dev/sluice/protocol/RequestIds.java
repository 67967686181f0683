package dev.sluice.protocol;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids of the form {@code req_} + 32 lower-case hex digits: the first 12 are the time the id was made (epoch
 * milliseconds, 48 bits), the other 20 are random (80 bits). Ids made later sort after ids made earlier, so the usage
 * ledger's unique index on {@code request_id} grows at its right edge: a batch of rows dirties a few index pages
 * instead of one page per row, which is most of what a SQLite ledger write costs (docs/benchmarks.md, "Ledger CPU per
 * row"). 80 random bits keep ids unguessable and distinct between gateways.
 */
public final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {}

    public static String next() {
        return next(System.currentTimeMillis());
    }

    /** An id made at {@code epochMillis} (its first 12 hex digits; the low 48 bits of the value). */
    public static String next(long epochMillis) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = prefixed();
        hex(out, 4, epochMillis, 12);
        hex(out, 16, r.nextLong(), 4); // 16 + 64 random bits
        hex(out, 20, r.nextLong(), 16);
        return new String(out);
    }

    /** A random id of the old form (32 random hex digits, no time): what the ledger benchmark compares against. */
    public static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = prefixed();
        hex(out, 4, r.nextLong(), 16);
        hex(out, 20, r.nextLong(), 16);
        return new String(out);
    }

    private static char[] prefixed() {
        char[] out = new char[36];
        out[0] = 'r'; out[1] = 'e'; out[2] = 'q'; out[3] = '_';
        return out;
    }

    /** The low {@code digits} hex digits of {@code value}, most significant first, into {@code out} from {@code at}. */
    private static void hex(char[] out, int at, long value, int digits) {
        for (int i = 0; i < digits; i++) out[at + i] = HEX[(int) (value >>> (4 * (digits - 1 - i))) & 0xf];
    }

    /** What a server error's message ends with, as OpenAI's: {@code " (Please include the request ID … in your message.)"}. */
    public static String messageSuffix(String requestId) {
        return " (Please include the request ID " + requestId + " in your message.)";
    }

    /** The request id a message names (a server error's suffix, or anywhere in it), if any. */
    public static java.util.Optional<String> inMessage(String message) {
        if (message == null) return java.util.Optional.empty();
        java.util.regex.Matcher m = IN_TEXT.matcher(message);
        return m.find() ? java.util.Optional.of(m.group()) : java.util.Optional.empty();
    }

    private static final java.util.regex.Pattern IN_TEXT = java.util.regex.Pattern.compile("req_[0-9a-f]{32}(?![0-9a-f])");

    public static boolean isValid(String id) {
        if (id == null || id.length() != 36 || !id.startsWith("req_")) return false;
        for (int i = 4; i < 36; i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }
}
