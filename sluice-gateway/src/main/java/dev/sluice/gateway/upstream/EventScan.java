package dev.sluice.gateway.upstream;

/**
 * The check of one stream event's JSON ({@link StreamEventCheck}) done by hand over its UTF-8 bytes: one pass that
 * tells whether they begin with a well-formed JSON object and notes the three top-level fields the check looks at
 * ({@code error}, {@code choices}, {@code type}), where a Jackson parser made per event cost more than all the rest
 * of relaying the event. It runs for every token of every stream.
 *
 * <p>Its verdicts are Jackson's over the event's text (the parser {@link AnswerScan#fields} uses, with its default
 * features): standard JSON
 * only (no comments, single quotes, unquoted names, trailing commas, leading zeros, NaN, unescaped control characters
 * or unknown escapes), the first value must be an object and what follows it is ignored, a key given twice keeps its
 * last value. What it does not decide the same way for certain — a name or a {@code type} value with an escape in it,
 * nesting deeper than {@link #MAX_DEPTH}, a number longer than {@link #MAX_NUMBER}, a string longer than
 * {@link #MAX_STRING} — it answers {@link #UNSURE}, and the caller asks Jackson. The bytes must be well-formed UTF-8 (a
 * {@link SseRelay} wire event is). {@code EventScanTest} compares both on a large set of mutated events.
 */
final class EventScan {
    static final int VALID = 1;
    static final int INVALID = 0;
    static final int UNSURE = -1;
    static final int MAX_DEPTH = 64;
    static final int MAX_NUMBER = 100;
    /** Jackson refuses names longer than 50,000 characters (its {@code StreamReadConstraints}). */
    static final int MAX_STRING = 40_000;

    /** The top-level fields that decide an event (a key given twice: its last value). */
    static class Fields {
        /** What {@link #typeKind} may be. */
        static final int NO_TEXT = -1, TYPE_OTHER = 0, TYPE_ERROR = 1, TYPE_FAILED = 2;

        boolean errorNotNull, hasChoices, choicesArray, hasType;
        /**
         * The {@code type} value: {@link #TYPE_ERROR} {@code "error"}, {@link #TYPE_FAILED} {@code "response.failed"},
         * {@link #TYPE_OTHER} another string, {@link #NO_TEXT} none or not a string.
         */
        int typeKind = NO_TEXT;
    }

    private static final byte[] ERROR = {'e', 'r', 'r', 'o', 'r'};
    private static final byte[] CHOICES = {'c', 'h', 'o', 'i', 'c', 'e', 's'};
    private static final byte[] TYPE = {'t', 'y', 'p', 'e'};
    private static final byte[] RESPONSE_FAILED = "response.failed".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final byte[] b;
    private final int end;
    private int p;
    private boolean unsure;

    private EventScan(byte[] b, int from, int to) {
        this.b = b;
        this.p = from;
        this.end = to;
    }

    /** {@link #VALID}, {@link #INVALID} or {@link #UNSURE} for {@code b[from, to)}; {@code out} holds what was seen. */
    static int scan(byte[] b, int from, int to, Fields out) {
        EventScan s = new EventScan(b, from, to);
        s.ws();
        if (s.p >= to || b[s.p] != '{') return INVALID; // not an object (a byte-order mark is not white space)
        boolean ok;
        try {
            ok = s.members(1, (byte) '}', out);
        } catch (Cut e) {
            ok = false;
        }
        if (s.unsure) return UNSURE;
        return ok ? VALID : INVALID;
    }

    /** The input ended inside a value. */
    private static final class Cut extends RuntimeException {
        private static final Cut INSTANCE = new Cut();

        private Cut() {
            super(null, null, false, false);
        }
    }

    private byte at() {
        if (p >= end) throw Cut.INSTANCE;
        return b[p];
    }

    private void ws() {
        while (p < end) {
            byte c = b[p];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            p++;
        }
    }

    /** Notes a top-level field the check reads; a name with an escape in it is left to Jackson. */
    private void field(int from, int to, byte first, int valueFrom, Fields out) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\\') {
                unsure = true;
                return;
            }
        }
        if (is(from, to, ERROR)) {
            out.errorNotNull = first != 'n';
        } else if (is(from, to, CHOICES)) {
            out.hasChoices = true;
            out.choicesArray = first == '[';
        } else if (is(from, to, TYPE)) {
            out.hasType = true;
            if (first != '"') {
                out.typeKind = Fields.NO_TEXT;
                return;
            }
            int vFrom = valueFrom + 1, vTo = p - 1;
            for (int i = vFrom; i < vTo; i++) {
                if (b[i] == '\\') {
                    unsure = true;
                    return;
                }
            }
            out.typeKind = is(vFrom, vTo, ERROR) ? Fields.TYPE_ERROR
                    : is(vFrom, vTo, RESPONSE_FAILED) ? Fields.TYPE_FAILED : Fields.TYPE_OTHER;
        }
    }

    private boolean is(int from, int to, byte[] word) {
        if (to - from != word.length) return false;
        for (int i = 0; i < word.length; i++) if (b[from + i] != word[i]) return false;
        return true;
    }

    private boolean value(int depth) {
        byte c = at();
        switch (c) {
            case '"':
                return string();
            case '{':
                return members(depth + 1, (byte) '}', null);
            case '[':
                return members(depth + 1, (byte) ']', null);
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                return false;
        }
    }

    /**
     * The members of an object (up to {@code close} '}', each a name and a value) or an array (up to ']', values),
     * {@code p} on its opening byte; the root object notes its fields in {@code out} (null below it).
     */
    private boolean members(int depth, byte close, Fields out) {
        if (depth > MAX_DEPTH) {
            unsure = true;
            return false;
        }
        p++;
        ws();
        if (at() == close) {
            p++;
            return true;
        }
        while (true) {
            int nameFrom = p + 1;
            if (close == '}') {
                if (at() != '"' || !string()) return false;
                int nameTo = p - 1;
                ws();
                if (at() != ':') return false;
                p++;
                ws();
                if (out != null) {
                    byte first = at();
                    int valueFrom = p;
                    if (!value(depth)) return false;
                    field(nameFrom, nameTo, first, valueFrom, out);
                } else if (!value(depth)) {
                    return false;
                }
            } else if (!value(depth)) {
                return false;
            }
            if (unsure) return false;
            ws();
            byte c = at();
            p++;
            if (c == close) return true;
            if (c != ',') return false;
            ws();
        }
    }

    /** A string, {@code p} on its opening quote; leaves {@code p} past the closing one. A long one is Jackson's. */
    private boolean string() {
        int from = p++;
        byte[] b = this.b;
        while (true) {
            int i = p;
            while (i < end) { // the plain characters, most of an event, in a tight loop
                byte c = b[i];
                if (c == '"' || c == '\\' || (c >= 0 && c < 0x20)) break;
                i++;
            }
            p = i;
            byte c = at();
            p++;
            if (c == '"') {
                if (p - from > MAX_STRING) unsure = true;
                return true;
            }
            if (c == '\\') {
                byte e = at();
                p++;
                switch (e) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> { }
                    case 'u' -> {
                        for (int k = 0; k < 4; k++) {
                            byte h = at();
                            p++;
                            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                                return false;
                            }
                        }
                    }
                    default -> {
                        return false;
                    }
                }
            } else if (c >= 0 && c < 0x20) {
                return false; // an unescaped control character
            }
        }
    }

    private boolean literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (at() != word.charAt(i)) return false;
            p++;
        }
        if (p < end) { // what Jackson says of a literal run on into a name: "truex" is one unknown token
            byte c = b[p];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'
                    || c < 0) {
                return false;
            }
        }
        return true;
    }

    /** A number by JSON's grammar (no leading zeros, a digit after '.', after 'e'); a long one is left to Jackson. */
    private boolean number() {
        int from = p;
        if (b[p] == '-') p++;
        byte c = at();
        if (c == '0') {
            p++;
            if (p < end && b[p] >= '0' && b[p] <= '9') return false;
        } else if (c >= '1' && c <= '9') {
            while (p < end && b[p] >= '0' && b[p] <= '9') p++;
        } else {
            return false;
        }
        if (p < end && b[p] == '.') {
            p++;
            if (!digits()) return false;
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            if (p < end && (b[p] == '+' || b[p] == '-')) p++;
            if (!digits()) return false;
        }
        if (p - from > MAX_NUMBER) unsure = true;
        return true;
    }

    private boolean digits() {
        byte c = at();
        if (c < '0' || c > '9') return false;
        while (p < end && b[p] >= '0' && b[p] <= '9') p++;
        return true;
    }
}
