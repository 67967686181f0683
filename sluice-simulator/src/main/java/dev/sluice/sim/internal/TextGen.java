package dev.sluice.sim.internal;

import dev.sluice.protocol.Hashes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Deterministic "model output": a seed from the request's content picks words from a fixed vocabulary. Every word
 * (with its leading space, or capitalised at the start) is one o200k_base token, so the pieces streamed, the usage
 * reported and a re-count of the text by tiktoken all agree.
 */
public final class TextGen {
    /** Default output lengths lie in [MIN_TOKENS, MAX_TOKENS]. */
    public static final int MIN_TOKENS = 8;
    public static final int MAX_TOKENS = 48;

    static final List<String> VOCABULARY = List.of(
            "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not",
            "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you",
            "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will",
            "would", "who", "so", "no", "out", "up", "into", "time", "some", "could", "than", "other", "what",
            "only", "its", "new", "like", "about", "may", "people", "two", "first", "then", "them", "also", "any",
            "these", "over", "such", "our", "after", "most", "made", "many", "before", "must", "through", "back",
            "years", "where", "much", "your", "way", "well", "down", "should", "because", "each", "just", "those",
            "how", "too", "little", "state", "good", "very", "make", "world", "still", "own", "see", "men", "work",
            "long", "get", "here", "between", "both", "life", "being", "under", "never", "day", "same", "another",
            "know", "while", "last", "night", "great", "old", "year", "off", "come", "since", "against", "go",
            "sky", "right", "used", "take", "three", "water", "light", "river", "stone", "garden", "music", "story",
            "city", "road", "house", "small", "open", "clear", "quiet", "bright", "early", "warm", "green", "blue");

    private TextGen() {}

    /** A stable 64-bit seed from the given parts (SHA-256, parts separated so "ab","c" differs from "a","bc"). */
    public static long seed(List<String> parts) {
        MessageDigest sha = Hashes.sha256();
        for (String p : parts) {
            sha.update(p.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        byte[] d = sha.digest();
        long s = 0;
        for (int i = 0; i < 8; i++) s = (s << 8) | (d[i] & 0xff);
        return s;
    }

    /** The natural answer length of a request with this seed, in [MIN_TOKENS, MAX_TOKENS]. */
    public static int defaultLength(long seed) {
        return MIN_TOKENS + (int) Math.floorMod(seed, (long) (MAX_TOKENS - MIN_TOKENS + 1));
    }

    /** {@code count} pieces: the first a capitalised word, the rest " word". A prefix of any longer answer. */
    public static List<String> pieces(long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String w = VOCABULARY.get(rnd.nextInt(VOCABULARY.size()));
            out.add(i == 0 ? w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1) : " " + w);
        }
        return out;
    }
}
