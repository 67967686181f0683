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

    // Open-addressing table from token bytes to rank: slot -> entry + 1 (0 = empty); entry -> bytes in DATA, rank.
    private final int[] slots;
    private final int mask;
    private final byte[] data;
    private final int[] offsets;   // entry -> start in data; offsets[entries] = data length
    private final int[] ranks;

    O200kCounter() {
        Map<byte[], Integer> all = loadRanks();
        int entries = all.size();
        int total = 0;
        for (byte[] b : all.keySet()) total += b.length;
        data = new byte[total];
        offsets = new int[entries + 1];
        ranks = new int[entries];
        int tableSize = Integer.highestOneBit(entries * 2) << 1;
        slots = new int[tableSize];
        mask = tableSize - 1;
        int e = 0;
        int at = 0;
        for (Map.Entry<byte[], Integer> entry : all.entrySet()) {
            byte[] b = entry.getKey();
            System.arraycopy(b, 0, data, at, b.length);
            offsets[e] = at;
            ranks[e] = entry.getValue();
            int slot = hash(b, 0, b.length) & mask;
            while (slots[slot] != 0) slot = (slot + 1) & mask;
            slots[slot] = e + 1;
            at += b.length;
            e++;
        }
        offsets[entries] = at;
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
        int slot = hash(bytes, from, to) & mask;
        for (int e; (e = slots[slot]) != 0; slot = (slot + 1) & mask) {
            int entry = e - 1;
            int start = offsets[entry];
            if (offsets[entry + 1] - start == len && Arrays.equals(data, start, start + len, bytes, from, to)) {
                return ranks[entry];
            }
        }
        return NONE;
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
