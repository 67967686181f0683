package dev.sluice.gateway.models;

/**
 * Splits text into the pieces that o200k_base's byte-pair encoding works on, without a regular expression: jtokkit
 * 1.1.0 splits o200k text with {@code java.util.regex} (about four times slower than its hand-written cl100k parser),
 * and prompt counting sits on every request's path. The result is exactly what jtokkit's pattern finds.
 *
 * <p>The pattern (compiled by jtokkit with {@code UNICODE_CHARACTER_CLASS}, which also implies {@code UNICODE_CASE}) is
 * the alternation, tried in order at each position, of
 * <pre>
 *  1. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  2. [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  3. \p{N}{1,3}
 *  4.  ?[^\s\p{L}\p{N}]+[\r\n/]*
 *  5. \s*[\r\n]+
 *  6. \s+(?!\S)
 *  7. \s+
 * </pre>
 * Each alternative below reproduces the first match a backtracking matcher finds (greedy quantifiers giving back one
 * code point at a time). It works on code points, so surrogate pairs are one character and an unpaired surrogate is
 * an ordinary non-letter, non-number, non-space character (category Cs), as in {@code java.util.regex}. {@code \s} is
 * Unicode White_Space, the definition {@code UNICODE_CHARACTER_CLASS} gives it.
 */
final class O200kPreTokenizer {
    private O200kPreTokenizer() {
    }

    // Class bits of a code point.
    static final int LETTER_NUMBER = 1;   // \p{L} or \p{N}: excluded from the optional prefix and from punctuation
    static final int UPPER = 2;           // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    static final int LOWER = 4;           // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    static final int NUMBER = 8;          // \p{N}
    static final int SPACE = 16;          // \s (Unicode White_Space)
    static final int CR_LF = 32;          // [\r\n]

    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = (byte) classify(c);
    }

    /** The class bits of a code point (see the constants). */
    static int classOf(int cp) {
        return cp < 128 ? ASCII[cp] : classify(cp);
    }

    private static int classify(int cp) {
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER:
            case Character.TITLECASE_LETTER:
                return LETTER_NUMBER | UPPER;
            case Character.LOWERCASE_LETTER:
                return LETTER_NUMBER | LOWER;
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER_NUMBER | UPPER | LOWER;
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.COMBINING_SPACING_MARK:
                return UPPER | LOWER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return LETTER_NUMBER | NUMBER;
            default:
                if (cp == '\r' || cp == '\n') return SPACE | CR_LF;
                return isWhiteSpace(cp) ? SPACE : 0;
        }
    }

    /** Unicode White_Space: what {@code \s} means under {@code UNICODE_CHARACTER_CLASS}. */
    static boolean isWhiteSpace(int cp) {
        if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
        if (cp < 0x85) return false;
        if (cp == 0x85 || cp == 0xA0 || cp == 0x1680) return true;
        if (cp >= 0x2000 && cp <= 0x200A) return true;
        return cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** {@code [^\r\n\p{L}\p{N}]}: the optional single character before a word. */
    private static boolean isPrefix(int cls) {
        return (cls & (LETTER_NUMBER | CR_LF)) == 0;
    }

    /** {@code [^\s\p{L}\p{N}]}: punctuation, symbols, marks, controls, unpaired surrogates... */
    private static boolean isPunct(int cls) {
        return (cls & (LETTER_NUMBER | SPACE)) == 0;
    }

    /**
     * The end (exclusive, a char index) of the piece that starts at {@code start}, which must be below
     * {@code text.length()} and on a code point boundary. Every position starts a piece, so pieces tile the text.
     */
    public static int pieceEnd(String text, int start) {
        int n = text.length();
        int cp = text.codePointAt(start);
        int cls = classOf(cp);
        int next = start + Character.charCount(cp);
        int end;
        // 1 and 2: words, with an optional prefix character.
        if ((cls & (UPPER | LOWER)) != 0 || (isPrefix(cls) && next < n)) {
            if (isPrefix(cls)) {
                end = wordLowerTail(text, next);
                if (end >= 0) return end;
            }
            end = wordLowerTail(text, start);
            if (end >= 0) return end;
            if (isPrefix(cls)) {
                end = wordUpperHead(text, next);
                if (end >= 0) return end;
            }
            end = wordUpperHead(text, start);
            if (end >= 0) return end;
        }
        // 3: one to three digits.
        if ((cls & NUMBER) != 0) {
            int i = next;
            for (int k = 1; k < 3 && i < n; k++) {
                int c = text.codePointAt(i);
                if ((classOf(c) & NUMBER) == 0) break;
                i += Character.charCount(c);
            }
            return i;
        }
        // 4: an optional space, punctuation, then any run of CR, LF and slashes.
        int p = cp == ' ' ? next : start;
        int i = p;
        while (i < n) {
            int c = text.codePointAt(i);
            if (!isPunct(classOf(c))) break;
            i += Character.charCount(c);
        }
        if (i > p) {
            while (i < n) {
                char c = text.charAt(i);
                if (c != '\r' && c != '\n' && c != '/') break;
                i++;
            }
            return i;
        }
        // 5, 6, 7: whitespace. Scan the whole run, remembering the last CR/LF and the last code point's start.
        // (Only whitespace is left here: letters, numbers and punctuation matched above.)
        int lastCrLf = -1;
        int lastStart = start;
        i = start;
        while (i < n) {
            int c = text.codePointAt(i);
            int k = classOf(c);
            if ((k & SPACE) == 0) break;
            if ((k & CR_LF) != 0) lastCrLf = i;
            lastStart = i;
            i += Character.charCount(c);
        }
        if (lastCrLf >= 0) return lastCrLf + 1;                  // 5: \s*[\r\n]+ backs off to the last CR/LF
        if (i == n) return i;                                     // 6: \s+ up to the end of the text
        if (lastStart > start) return lastStart;                  // 6: \s+ leaving one space before the next word
        return i;                                                 // 7: a single whitespace character
    }

    /**
     * {@code [UPPER]*[LOWER]+contraction?} from {@code s}, or -1. Greedy with back-off: after the longest run of
     * UPPER characters, the lower part either continues after it, or is the last character of the run that is also
     * LOWER (Lm, Lo, M); the characters of the run after that one are Lu/Lt, so the lower part is that one alone.
     */
    private static int wordLowerTail(String text, int s) {
        int n = text.length();
        int i = s;
        int lastLower = -1;
        int lastLowerEnd = -1;
        while (i < n) {
            int c = text.codePointAt(i);
            int k = classOf(c);
            if ((k & UPPER) == 0) break;
            int e = i + Character.charCount(c);
            if ((k & LOWER) != 0) {
                lastLower = i;
                lastLowerEnd = e;
            }
            i = e;
        }
        int end;
        if (i < n && (classOf(text.codePointAt(i)) & LOWER) != 0) {
            end = i;
            while (end < n) {
                int c = text.codePointAt(end);
                if ((classOf(c) & LOWER) == 0) break;
                end += Character.charCount(c);
            }
        } else if (lastLower >= 0) {
            end = lastLowerEnd;
        } else {
            return -1;
        }
        return contraction(text, end);
    }

    /** {@code [UPPER]+[LOWER]*contraction?} from {@code s}, or -1. */
    private static int wordUpperHead(String text, int s) {
        int n = text.length();
        int i = s;
        while (i < n) {
            int c = text.codePointAt(i);
            if ((classOf(c) & UPPER) == 0) break;
            i += Character.charCount(c);
        }
        if (i == s) return -1;
        while (i < n) {
            int c = text.codePointAt(i);
            if ((classOf(c) & LOWER) == 0) break;
            i += Character.charCount(c);
        }
        return contraction(text, i);
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code i}: the end after it (or {@code i}). Case folding is Unicode's, so ſ (U+017F) is an s. */
    private static int contraction(String text, int i) {
        int n = text.length();
        if (i + 1 >= n || text.charAt(i) != '\'') return i;
        char a = text.charAt(i + 1);
        switch (a) {
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D':
                return i + 2;
            case 'r', 'R', 'v', 'V':
                if (i + 2 < n && (text.charAt(i + 2) | 0x20) == 'e') return i + 3;
                return i;
            case 'l', 'L':
                if (i + 2 < n && (text.charAt(i + 2) | 0x20) == 'l') return i + 3;
                return i;
            default:
                return i;
        }
    }
}
