package dev.sluice.gateway.upstream.gemini;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatShapes;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.JsonSseTranslator;
import dev.sluice.protocol.SseEvent;

import java.util.List;

/**
 * {@code streamGenerateContent?alt=sse} as OpenAI {@code chat.completion.chunk} events. Each Gemini event is a whole
 * {@code GenerateContentResponse}: its text parts become content deltas (the role chunk first), its function calls
 * whole tool-call deltas, and the event with a {@code finishReason} (or a blocked prompt) ends the answer with the
 * finish chunk, the usage ({@code include_usage}) and {@code [DONE]}. The role chunk waits for the first output, so an
 * error event before any output can still fail over. An {@code {"error": …}} event is Gemini's error,
 * mapped by {@link GeminiError}.
 */
final class GeminiStream extends JsonSseTranslator {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final String id;
    private final String model;
    private final long created;
    private final boolean includeUsage;
    private final Blame.Context context;
    private boolean opened;
    private boolean done;
    private int toolCalls;

    GeminiStream(String id, String model, long created, boolean includeUsage, Blame.Context context) {
        this.id = id;
        this.model = model;
        this.created = created;
        this.includeUsage = includeUsage;
        this.context = context;
    }

    @Override
    protected boolean skip(SseEvent ev) {
        return done || ev.data() == null || ev.data().isBlank();
    }

    @Override
    protected boolean onEvent(SseEvent ev, JsonNode n, List<Item> out) {
        if (n == null || !n.isObject()) {
            out.add(new Error(Failure.garbage()));
            return false;
        }
        if (n.has("error")) {
            JsonNode err = n.get("error");
            GeminiError row = GeminiError.of(0, err);
            out.add(new Error(row.failure(err.path("message").asText(""), context.withError(row.status()),
                    GeminiError.retryDelayMs(err))));
            return false;
        }
        JsonNode cand = n.path("candidates").path(0);
        for (JsonNode p : cand.path("content").path("parts")) {
            if (p.path("thought").asBoolean(false)) continue;
            if (p.has("text") && !p.path("text").asText().isEmpty()) {
                open(out);
                out.add(event(ChatShapes.delta().put("content", p.path("text").asText()), null));
            }
            if (p.has("functionCall")) {
                ChatShapes.ToolCall tc = GeminiContents.toolCall(p.get("functionCall"), id, toolCalls);
                open(out);
                out.add(event(ChatShapes.toolDelta(toolCalls++, tc.id(), tc.name(), tc.arguments()), null));
            }
        }
        boolean blocked = cand.isMissingNode() && n.path("promptFeedback").has("blockReason");
        String reason = cand.path("finishReason").asText("");
        if (blocked || !reason.isEmpty()) {
            String finish = blocked ? "content_filter" : GeminiContents.finishReason(reason, toolCalls > 0);
            open(out);
            out.add(event(ChatShapes.delta(), finish));
            ChatShapes.Usage usage = GeminiContents.usage(n.path("usageMetadata"));
            out.add(new Usage(usage.prompt(), usage.completion()));
            if (includeUsage) out.add(new Event(ChatShapes.usageChunk(id, created, model, usage)));
            out.add(new Event(ChatShapes.done()));
            done = true;
        }
        return true;
    }

    /**
     * The role chunk, sent with the first output rather than at once: until something reaches the caller, an error
     * event can still be retried or failed over.
     */
    private void open(List<Item> out) {
        if (opened) return;
        opened = true;
        out.add(event(ChatShapes.delta().put("role", "assistant").put("content", ""), null));
    }

    private Event event(com.fasterxml.jackson.databind.node.ObjectNode delta, String finish) {
        return new Event(ChatShapes.chunk(id, created, model, delta, finish));
    }
}
