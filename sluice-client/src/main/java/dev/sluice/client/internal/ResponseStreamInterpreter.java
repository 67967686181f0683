package dev.sluice.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.client.StreamException;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.SseEvent;
import dev.sluice.protocol.wire.ResponseObject;
import dev.sluice.protocol.wire.ResponseStreamEvent;

/**
 * Responses streams: named events until {@code response.completed} (or {@code response.incomplete}, a finished but
 * cut-off answer). {@code event: error} fails the stream, read from its nested {@code error} object when present
 * (what OpenAI sends) and from the documented flat fields otherwise; a {@code response.failed} without a prior
 * error event fails it with the response's {@code error}.
 */
public final class ResponseStreamInterpreter implements StreamInterpreter<ResponseStreamEvent> {
    private final String requestId;
    private final StringBuilder text = new StringBuilder();

    public ResponseStreamInterpreter(String requestId) {
        this.requestId = requestId;
    }

    @Override
    public Step<ResponseStreamEvent> onEvent(SseEvent event) {
        if (event.data() == null || event.data().isBlank() || event.isDone()) return new Step.Skip<>();
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(event.data());
        } catch (Exception e) {
            return new Step.Fail<>(fail(new ApiError("The server sent a malformed stream event: "
                    + ChatStreamInterpreter.snippet(event.data()), "server_error", null, null), true, e));
        }
        ResponseStreamEvent ev = Json.MAPPER.convertValue(root, ResponseStreamEvent.class);
        String type = event.event() != null ? event.event() : ev.type();
        if (type == null) return new Step.Emit<>(ev);
        switch (type) {
            case "error" -> {
                return new Step.Fail<>(fail(errorOf(root), false, null));
            }
            case "response.failed" -> {
                ResponseObject.Error e = ev.response() == null ? null : ev.response().error();
                ApiError error = new ApiError(e == null || e.message() == null ? "The response failed." : e.message(),
                        "server_error", null, e == null ? null : e.code());
                return new Step.Fail<>(fail(error, false, null));
            }
            case "response.output_text.delta" -> {
                if (ev.delta() != null) text.append(ev.delta());
                return new Step.Emit<>(ev);
            }
            case "response.completed", "response.incomplete" -> {
                return new Step.Last<>(ev);
            }
            default -> {
                return new Step.Emit<>(ev);
            }
        }
    }

    /** Nested {@code error} first (OpenAI's actual form), then the flat documented fields. */
    private static ApiError errorOf(JsonNode root) {
        JsonNode nested = root.get("error");
        if (nested != null && nested.isObject()) {
            ApiError e = ErrorBodies.fromObject(nested);
            String type = nested.hasNonNull("type") ? e.type() : "server_error";
            return new ApiError(e.message().isEmpty() ? text(root, "message", "Stream error.") : e.message(), type,
                    e.param() != null ? e.param() : text(root, "param", null),
                    e.code() != null ? e.code() : text(root, "code", null));
        }
        return new ApiError(text(root, "message", "Stream error."), "server_error", text(root, "param", null),
                text(root, "code", null));
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? dflt : v.asText();
    }

    @Override
    public StreamException onEnd(Throwable cause) {
        String why = cause == null ? "The stream ended without response.completed; the output is incomplete."
                : "The connection broke before response.completed; the output is incomplete.";
        return fail(new ApiError(why, "server_error", null, null), true, cause);
    }

    @Override
    public String text() {
        return text.toString();
    }

    private StreamException fail(ApiError error, boolean truncated, Throwable cause) {
        return new StreamException(error, requestId, text.toString(), truncated, cause);
    }
}
