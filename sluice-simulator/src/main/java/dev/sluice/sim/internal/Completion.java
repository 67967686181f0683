package dev.sluice.sim.internal;

import dev.sluice.sim.SimModel;

import java.util.List;

/**
 * The text a chat-style request gets, decided before anything is written: its pieces (one token each), the prompt
 * token count, and whether it was cut at the output limit.
 */
public record Completion(List<String> pieces, int promptTokens, boolean truncated) {

    public int completionTokens() {
        return pieces.size();
    }

    public int totalTokens() {
        return promptTokens + pieces.size();
    }

    public String text() {
        return String.join("", pieces);
    }

    /**
     * Length = {@code tokens=N}, else the seed's natural length (stretched past a stream fault's chunk count so the
     * fault always fires), then capped by the request's limit and the model's maximum output.
     */
    public static Completion plan(SimModel model, long seed, int promptTokens, int maxTokens, Directives d, boolean stream) {
        int want = d.tokens() >= 0 ? d.tokens() : TextGen.defaultLength(seed);
        if (stream && d.tokens() < 0 && d.streamFaultAt() >= 0) want = Math.max(want, d.streamFaultAt() + 1);
        int cap = maxTokens > 0 ? Math.min(maxTokens, model.maxOutputTokens()) : model.maxOutputTokens();
        int n = Math.min(want, cap);
        return new Completion(TextGen.pieces(seed, n), promptTokens, want > cap);
    }
}
