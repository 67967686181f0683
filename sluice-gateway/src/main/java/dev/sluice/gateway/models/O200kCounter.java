package dev.sluice.gateway.models;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Counts o200k_base tokens without jtokkit's regular expression: {@link O200kPreTokenizer} splits the text, and each
 * piece is byte-pair merged here over o200k's ranks (loaded from jtokkit's jar) with tiktoken's rule — merge the
 * adjacent pair of lowest rank, leftmost first — without allocating per piece. Pieces longer than
 * {@link #LONG_PIECE} bytes go to jtokkit's own merge (an encoding with the same ranks whose pattern takes the whole
 * piece), which is O(n log n) where this one is quadratic. Counts equal jtokkit's o200k_base exactly.
 */
final class O200kCounter {
    static final String RANKS = "/com/knuddels/jtokkit/o200k_base.tiktoken";
    /** Above this many UTF-8 bytes a piece is merged by jtokkit (its own threshold for its large-piece encoder is 500). */
    static final int LONG_PIECE = 256;
    private static final int NONE = Integer.MAX_VALUE;

    /*
     * Open-addressing table from token bytes to rank. A slot (0 = empty) packs everything a lookup needs, so a probe
     * touches the table once and the token's bytes once (the table is megabytes: every separate array read was a
     * cache miss): bits 0-20 the token's start in DATA, 21-28 its length (1..255, so a used slot is never 0), 29-46
     * its rank, 47-63 the top bits of its hash, which turn most probes of another token away without reading DATA.
     */
    private static final int OFFSET_BITS = 21;
    private static final int LENGTH_BITS = 8;
    private static final int RANK_BITS = 18;
    private static final int LENGTH_SHIFT = OFFSET_BITS;
    private static final int RANK_SHIFT = LENGTH_SHIFT + LENGTH_BITS;
    private static final int TAG_SHIFT = RANK_SHIFT + RANK_BITS;
    private final long[] slots;
    private final int mask;
    private final byte[] data;

    O200kCounter() {
        Map<byte[], Integer> all = loadRanks();
        int entries = all.size();
        int total = 0;
        for (byte[] b : all.keySet()) total += b.length;
        if (total >= 1 << OFFSET_BITS) throw new IllegalStateException("o200k ranks: " + total + " bytes of tokens");
        data = new byte[total];
        int tableSize = Integer.highestOneBit(entries * 2) << 1;
        slots = new long[tableSize];
        mask = tableSize - 1;
        int at = 0;
        for (Map.Entry<byte[], Integer> entry : all.entrySet()) {
            byte[] b = entry.getKey();
            int rank = entry.getValue();
            if (b.length == 0 || b.length >= 1 << LENGTH_BITS || rank < 0 || rank >= 1 << RANK_BITS) {
                throw new IllegalStateException("o200k ranks: a token of " + b.length + " bytes, rank " + rank);
            }
            System.arraycopy(b, 0, data, at, b.length);
            int h = hash(b, 0, b.length);
            int slot = h & mask;
            while (slots[slot] != 0) slot = (slot + 1) & mask;
            slots[slot] = at | (long) b.length << LENGTH_SHIFT | (long) rank << RANK_SHIFT | tag(h) << TAG_SHIFT;
            at += b.length;
        }
    }

    /** The hash bits a slot keeps (the top 17 of the 32; the slot index uses the low ones). */
    private static long tag(int hash) {
        return (hash >>> (32 - (64 - TAG_SHIFT))) & ((1L << (64 - TAG_SHIFT)) - 1);
    }

    /** jtokkit's merge for long pieces, built on first need (it holds its own copy of the ranks). */
    private static final class LongPieces {
        static final Encoding ENCODING;

        static {
            EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
            registry.registerGptBytePairEncoding(new GptBytePairEncodingParams("o200k_pieces", Pattern.compile("(?s).+"),
                    loadRanks(), Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018)));
            ENCODING = registry.getEncoding("o200k_pieces").orElseThrow();
        }
    }

    /**
     * Per-thread work arrays of {@link #count}, sized for the longest piece merged here: a piece of c chars has at
     * most 3c UTF-8 bytes, and pieces of more than {@link #LONG_PIECE} chars go to jtokkit. Reused so a count
     * allocates nothing (the event loops count every request's prompt).
     */
    private static final class Scratch {
        final byte[] bytes = new byte[3 * LONG_PIECE];
        final int[] starts = new int[3 * LONG_PIECE + 1];
        final int[] pairRanks = new int[3 * LONG_PIECE + 1];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    int count(String text) {
        int n = text.length();
        int total = 0;
        Scratch scratch = SCRATCH.get();
        byte[] bytes = scratch.bytes;
        int[] starts = scratch.starts;
        int[] pairRanks = scratch.pairRanks;
        for (int i = 0; i < n; ) {
            int end = O200kPreTokenizer.pieceEnd(text, i);
            if (end - i > LONG_PIECE) {
                total += countLong(text.substring(i, end));
            } else {
                int len = utf8(text, i, end, bytes);
                total += len > LONG_PIECE ? countLong(text.substring(i, end)) : merge(bytes, len, starts, pairRanks);
            }
            i = end;
        }
        return total;
    }

    private static int countLong(String piece) {
        return LongPieces.ENCODING.countTokensOrdinary(piece);
    }

    /** The number of tokens byte-pair merging {@code bytes[0, len)} ends with. */
    private int merge(byte[] bytes, int len, int[] starts, int[] pairRanks) {
        if (len <= 1 || rank(bytes, 0, len) != NONE) return 1;
        // parts: starts[0..parts]; pairRanks[k] = rank of the bytes of parts k and k+1 together.
        int parts = len;
        for (int k = 0; k <= len; k++) starts[k] = k;
        for (int k = 0; k < parts - 1; k++) pairRanks[k] = rank(bytes, k, k + 2);
        while (parts > 1) {
            int min = NONE;
            int at = -1;
            for (int k = 0; k < parts - 1; k++) {
                if (pairRanks[k] < min) {
                    min = pairRanks[k];
                    at = k;
                }
            }
            if (at < 0) break;
            // Merge parts at and at+1: drop starts[at+1].
            System.arraycopy(starts, at + 2, starts, at + 1, parts - at - 1);
            System.arraycopy(pairRanks, at + 2, pairRanks, at + 1, Math.max(0, parts - at - 3));
            parts--;
            if (at < parts - 1) pairRanks[at] = rank(bytes, starts[at], starts[at + 2]);
            if (at > 0) pairRanks[at - 1] = rank(bytes, starts[at - 1], starts[at + 1]);
        }
        return parts;
    }

    /** The rank of {@code bytes[from, to)}, or {@link #NONE}. */
    int rank(byte[] bytes, int from, int to) {
        int len = to - from;
        int h = hash(bytes, from, to);
        // the length and hash bits a matching slot must have, compared in one step
        long want = (long) len << LENGTH_SHIFT | tag(h) << TAG_SHIFT;
        long wantMask = ((1L << LENGTH_BITS) - 1) << LENGTH_SHIFT | -1L << TAG_SHIFT;
        for (int slot = h & mask; ; slot = (slot + 1) & mask) {
            long e = slots[slot];
            if (e == 0) return NONE;
            if ((e & wantMask) == want) {
                int start = (int) (e & ((1 << OFFSET_BITS) - 1));
                if (Arrays.equals(data, start, start + len, bytes, from, to)) {
                    return (int) (e >>> RANK_SHIFT) & ((1 << RANK_BITS) - 1);
                }
            }
        }
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) h = (h ^ b[i]) * 0x01000193;
        return h ^ (h >>> 15);
    }

    /** UTF-8 of {@code s[from, to)} into {@code out}, an unpaired surrogate as '?' (as {@code String.getBytes(UTF_8)}). */
    static int utf8(String s, int from, int to, byte[] out) {
        int j = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[j++] = (byte) c;
            } else if (c < 0x800) {
                out[j++] = (byte) (0xC0 | (c >> 6));
                out[j++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    out[j++] = (byte) (0xF0 | (cp >> 18));
                    out[j++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    out[j++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    out[j++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    out[j++] = '?';
                }
            } else {
                out[j++] = (byte) (0xE0 | (c >> 12));
                out[j++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[j++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return j;
    }

    /** The ranks file that ships in jtokkit's jar: one "base64-token rank" per line. */
    static Map<byte[], Integer> loadRanks() {
        try (InputStream in = Encodings.class.getResourceAsStream(RANKS)) {
            if (in == null) throw new IllegalStateException("jtokkit has no " + RANKS);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII), 1 << 16);
            Map<byte[], Integer> ranks = new HashMap<>(400_000);
            Base64.Decoder b64 = Base64.getDecoder();
            for (String line; (line = r.readLine()) != null; ) {
                int sp = line.indexOf(' ');
                if (sp < 0) continue;
                ranks.put(b64.decode(line.substring(0, sp)), Integer.parseInt(line.substring(sp + 1).trim()));
            }
            return ranks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
