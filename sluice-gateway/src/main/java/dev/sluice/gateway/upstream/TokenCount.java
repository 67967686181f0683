package dev.sluice.gateway.upstream;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.protocol.SseEvent;

/**
 * Counts one request's tokens into its {@link Exchange}: the provider's own usage when it reports one (a JSON answer's
 * {@code usage}, a stream's usage chunk or translated usage item), otherwise one completion token per content delta
 * relayed, which is what the simulator and OpenAI stream.
 */
final class TokenCount {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final Exchange ex;
    private boolean usageSeen;

    TokenCount(Exchange ex) {
        this.ex = ex;
    }

    /** A whole JSON answer: the usage its adapter read. */
    void answered(ProviderAdapter.Answer.Ok ok) {
        answered(ok.usage());
    }

    /**
     * An answer's usage (null: none), in OpenAI or Anthropic-style names: each read as {@link JsonNode#asInt(int)}
     * reads it (a number's int value, a numeric string's, true as 1), an absent or unreadable one falling back to the
     * other name.
     */
    private void answered(ProviderAdapter.Usage u) {
        if (u == null) return;
        ex.completionTokens(asInt(u.completionTokens(), asInt(u.outputTokens(), 0)));
        int prompt = asInt(u.promptTokens(), asInt(u.inputTokens(), -1));
        if (prompt >= 0) ex.promptTokens(prompt);
    }

    /** {@code n.asInt(otherwise)}, and {@code otherwise} for an absent field (as the tree's missing node gives). */
    private static int asInt(JsonNode n, int otherwise) {
        return n == null ? otherwise : n.asInt(otherwise);
    }

    /** The provider's own token counts for the stream (a translated provider's usage item). */
    void reported(StreamTranslator.Usage u) {
        if (u.promptTokens() >= 0) ex.promptTokens(u.promptTokens());
        if (u.completionTokens() >= 0) {
            usageSeen = true;
            ex.completionTokens(u.completionTokens());
        }
    }

    /**
     * One event delivered to the caller: the upstream's usage when it carries one (chat include_usage, Responses
     * completed), otherwise one token per content delta until a usage was seen.
     */
    void delivered(SseEvent ev) {
        String data = ev.data();
        if (data == null || ev.isDone()) return;
        if (data.contains("\"usage\"") && (data.contains("completion_tokens") || data.contains("output_tokens"))) {
            try {
                JsonNode n = JSON.readTree(data);
                JsonNode usage = n.has("usage") ? n.get("usage") : n.path("response").path("usage");
                if (usage.isObject()) {
                    usageSeen = true;
                    ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
                    return;
                }
            } catch (Exception ignored) {
                // not JSON: counted below like any delta
            }
        }
        if (!usageSeen && (data.contains("\"content\":\"") && !data.contains("\"content\":\"\"")
                || "response.output_text.delta".equals(ev.event()))) {
            ex.completionTokens(ex.completionTokens() + 1);
        }
    }
}
