package dev.sluice.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one request every system gets: the same path, body and headers for the bare simulator, nginx and Sluice (the
 * simulator ignores the {@code Authorization} header Sluice needs).
 */
public record BenchRequest(String path, String body, Map<String, String> headers) {
    /** A small non-streaming chat completion, the request of the reference run. */
    public static final String CHAT_BODY =
            "{\"model\":\"sim-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";

    public BenchRequest {
        headers = Map.copyOf(headers);
    }

    public static BenchRequest chat(String apiKey) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("Authorization", "Bearer " + apiKey);
        return new BenchRequest("/v1/chat/completions", CHAT_BODY, h);
    }

    /**
     * The small chat completion of {@link #chat}, answered by the simulator after {@code delayMs} (its
     * {@code metadata.sluice_sim} directive {@code delay_ms}, which reaches it through any provider adapter): a
     * non-streaming request whose upstream latency the caller chooses (the admission trace).
     */
    public static BenchRequest delayed(String apiKey, int delayMs) {
        if (delayMs < 0) throw new IllegalArgumentException("delay must be >= 0 ms");
        String body = "{\"model\":\"sim-mini\",\"max_tokens\":16,\"metadata\":{\"sluice_sim\":\"delay_ms=" + delayMs
                + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";
        return new BenchRequest("/v1/chat/completions", body, chat(apiKey).headers());
    }

    /**
     * A streamed chat completion of exactly {@code tokens} tokens paced at {@code tokensPerSecond} (0 = unpaced), by the simulator's
     * directives in the body ({@code metadata.sluice_sim}), which reach the simulator through any provider adapter.
     */
    public static BenchRequest stream(String apiKey, int tokens, int tokensPerSecond) {
        String body = "{\"model\":\"sim-mini\",\"stream\":true,\"max_tokens\":" + Math.max(16, tokens)
                + ",\"metadata\":{\"sluice_sim\":\"tokens=" + tokens + ";tps=" + tokensPerSecond + "\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story.\"}]}";
        return new BenchRequest("/v1/chat/completions", body, chat(apiKey).headers());
    }
}
