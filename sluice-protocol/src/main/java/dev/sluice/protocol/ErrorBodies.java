package dev.sluice.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Optional;

/**
 * Reads error bodies leniently: the OpenAI form {@code {"error":{...}}}, a bare error object, the {@code {"detail":
 * ...}} form of many OpenAI-compatible providers, and plain text or HTML. Never throws; an unreadable body yields
 * empty and the caller falls back to the status.
 */
public final class ErrorBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBodies() {}

    /** The error object of an OpenAI-shaped body, or of a bare/`detail` body; empty if none can be read. */
    public static Optional<ApiError> parse(String body) {
        if (body == null || body.isBlank()) return Optional.empty();
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (Exception notJson) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) return Optional.empty();
        JsonNode err = root.get("error");
        if (err != null && err.isObject()) return Optional.of(fromObject(err));
        if (err != null && err.isTextual()) {
            return Optional.of(new ApiError(err.asText(), text(root, "type", "invalid_request_error"),
                    text(root, "param", null), text(root, "code", null)));
        }
        JsonNode detail = root.get("detail");
        if (detail != null) {
            String msg = detail.isTextual() ? detail.asText() : detail.toString();
            return Optional.of(new ApiError(msg, "invalid_request_error", null, null));
        }
        if (root.hasNonNull("message") && root.has("type")) return Optional.of(fromObject(root));
        return Optional.empty();
    }

    /** True if a 200 body nevertheless carries an error object (an upstream quirk that must be treated as an error). */
    public static boolean carriesError(JsonNode root) {
        return root != null && root.isObject() && root.has("error") && !root.get("error").isNull();
    }

    public static ApiError fromObject(JsonNode err) {
        return new ApiError(text(err, "message", ""), text(err, "type", "invalid_request_error"),
                text(err, "param", null), text(err, "code", null));
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return dflt;
        return v.isTextual() ? v.asText() : v.toString();
    }
}
