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

    /** A whole JSON answer: its {@code usage} object, in OpenAI or Anthropic-style names. */
    void answered(JsonNode root) {
        JsonNode usage = root.get("usage");
        if (usage == null || !usage.isObject()) return;
        ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
        int prompt = usage.path("prompt_tokens").asInt(usage.path("input_tokens").asInt(-1));
        if (prompt >= 0) ex.promptTokens(prompt);
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
