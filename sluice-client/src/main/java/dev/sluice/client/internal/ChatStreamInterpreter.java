package dev.sluice.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.client.StreamException;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.SseEvent;
import dev.sluice.protocol.wire.ChatCompletionChunk;

/**
 * Chat completion streams: {@code data:} chunks until {@code data: [DONE]}; an in-band error is a
 * {@code data: {"error":{…}}} event after which the server closes without [DONE].
 */
public final class ChatStreamInterpreter implements StreamInterpreter<ChatCompletionChunk> {
    private final String requestId;
    private final StringBuilder text = new StringBuilder();

    public ChatStreamInterpreter(String requestId) {
        this.requestId = requestId;
    }

    @Override
    public Step<ChatCompletionChunk> onEvent(SseEvent event) {
        if (event.isDone()) return new Step.Done<>();
        if (event.data() == null || event.data().isBlank()) return new Step.Skip<>();
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(event.data());
        } catch (Exception e) {
            return new Step.Fail<>(fail(new ApiError("The server sent a malformed stream event: "
                    + snippet(event.data()), "server_error", null, null), true, e));
        }
        if (ErrorBodies.carriesError(root)) {
            JsonNode err = root.get("error");
            ApiError error = err.isObject() ? ErrorBodies.fromObject(err)
                    : new ApiError(err.asText(), "server_error", null, null);
            return new Step.Fail<>(fail(error, false, null));
        }
        ChatCompletionChunk chunk = Json.MAPPER.convertValue(root, ChatCompletionChunk.class);
        text.append(chunk.text());
        return new Step.Emit<>(chunk);
    }

    @Override
    public StreamException onEnd(Throwable cause) {
        String why = cause == null ? "The stream ended without data: [DONE]; the output is incomplete."
                : "The connection broke before data: [DONE]; the output is incomplete.";
        return fail(new ApiError(why, "server_error", null, null), true, cause);
    }

    @Override
    public String text() {
        return text.toString();
    }

    private StreamException fail(ApiError error, boolean truncated, Throwable cause) {
        return new StreamException(error, requestId, text.toString(), truncated, cause);
    }

    static String snippet(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
