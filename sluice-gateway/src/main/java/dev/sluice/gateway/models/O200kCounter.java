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
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Counts o200k_base tokens about as fast as jtokkit counts cl100k_base: {@link O200kPreTokenizer} splits the text by
 * hand, and each piece goes through jtokkit's byte-pair encoding alone (an encoding with o200k's ranks whose pattern
 * takes the whole piece), which is what tiktoken does per piece anyway. Counts equal jtokkit's o200k_base exactly.
 */
final class O200kCounter {
    static final String RANKS = "/com/knuddels/jtokkit/o200k_base.tiktoken";
    private final Encoding pieces;

    O200kCounter() {
        EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        registry.registerGptBytePairEncoding(new GptBytePairEncodingParams("o200k_pieces", Pattern.compile("(?s).+"),
                loadRanks(), Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018)));
        pieces = registry.getEncoding("o200k_pieces").orElseThrow();
    }

    int count(String text) {
        int n = text.length();
        int total = 0;
        for (int i = 0; i < n; ) {
            int end = O200kPreTokenizer.pieceEnd(text, i);
            total += pieces.countTokensOrdinary(text.substring(i, end));
            i = end;
        }
        return total;
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
