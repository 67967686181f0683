package dev.sluice.gateway.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Counts prompt tokens with the model's tokenizer (jtokkit), using OpenAI's chat accounting: 3 tokens per message,
 * 1 more for a name, 3 to prime the reply. Image and audio parts are not counted (they are priced differently).
 * o200k_base text is split by {@link O200kPreTokenizer} instead of jtokkit's regular expression (same counts, about
 * four times faster); the other encodings are jtokkit's own.
 */
public final class TokenCounter {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private final Map<String, Encoding> encodings = new ConcurrentHashMap<>();
    private final Map<String, ToIntFunction<String>> counters = new ConcurrentHashMap<>();

    /** The o200k ranks are loaded once per JVM: at {@link #preload}, or else on first use. */
    private static final class FastO200k {
        static final O200kCounter COUNTER = new O200kCounter();
    }

    /**
     * Loads the o200k rank table (about 54 MB of allocation, a second or more on a busy machine) now. The gateway
     * calls it on a worker thread at start-up, so the first request does not load it on an event loop; a request
     * that arrives while it is still loading waits for it (class initialisation), as it would have without it.
     */
    public static void preload() {
        if (FastO200k.COUNTER == null) throw new IllegalStateException("o200k ranks not loaded");
    }

    public Encoding encoding(String tokenizer) {
        return encodings.computeIfAbsent(tokenizer, t -> REGISTRY.getEncoding(
                EncodingType.fromName(t.toLowerCase(Locale.ROOT))
                        .orElseThrow(() -> new IllegalArgumentException("unknown tokenizer " + t))));
    }

    /** How text is counted with a tokenizer: the hand-split path for o200k_base, jtokkit's encoding otherwise. */
    private ToIntFunction<String> counter(String tokenizer) {
        ToIntFunction<String> c = counters.get(tokenizer);
        if (c != null) return c;
        return counters.computeIfAbsent(tokenizer, t -> {
            if ("o200k_base".equals(t.toLowerCase(Locale.ROOT))) {
                O200kCounter fast = FastO200k.COUNTER;
                return fast::count;
            }
            Encoding enc = encoding(t);
            return enc::countTokensOrdinary;
        });
    }

    public int countText(String tokenizer, String text) {
        if (text == null || text.isEmpty()) return 0;
        return counter(tokenizer).applyAsInt(text);
    }

    /** Tokens of a chat {@code messages} array. */
    public int countMessages(String tokenizer, JsonNode messages) {
        ToIntFunction<String> enc = counter(tokenizer);
        int total = 3;
        for (JsonNode m : messages) {
            total += 3;
            total += count(enc, m.path("role").asText(""));
            JsonNode name = m.get("name");
            if (name != null && name.isTextual()) total += 1 + count(enc, name.asText());
            total += countContent(enc, m.get("content"));
            JsonNode toolCalls = m.get("tool_calls");
            if (toolCalls != null && toolCalls.isArray()) total += count(enc, toolCalls.toString());
        }
        return total;
    }

    /** Tokens of an {@code input} that is a string, an array of strings, or Responses-style message items. */
    public int countInput(String tokenizer, JsonNode input) {
        ToIntFunction<String> enc = counter(tokenizer);
        if (input == null || input.isNull()) return 0;
        if (input.isTextual()) return count(enc, input.asText());
        int total = 0;
        if (input.isArray()) {
            for (JsonNode item : input) {
                if (item.isTextual()) total += count(enc, item.asText());
                else if (item.isObject()) total += 3 + countContent(enc, item.get("content"));
                else if (item.isArray()) total += item.size(); // pre-tokenized input: one token per id
                else if (item.isNumber()) total += 1;
            }
        }
        return total;
    }

    private static int countContent(ToIntFunction<String> enc, JsonNode content) {
        if (content == null || content.isNull()) return 0;
        if (content.isTextual()) return count(enc, content.asText());
        int total = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                JsonNode text = part.get("text");
                if (text != null && text.isTextual()) total += count(enc, text.asText());
            }
        }
        return total;
    }

    private static int count(ToIntFunction<String> enc, String s) {
        return s.isEmpty() ? 0 : enc.applyAsInt(s);
    }
}
