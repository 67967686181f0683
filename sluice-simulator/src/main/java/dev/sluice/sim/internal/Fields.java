package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.SimModels;

/**
 * Reads request fields with OpenAI's error answers for missing, mistyped and out-of-range values. The simulator is
 * otherwise lenient: fields it does not use are ignored, as an upstream that accepts newer parameters would.
 */
public final class Fields {
    private Fields() {}

    public static String requiredString(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) throw SimError.at(ErrorKind.MISSING_PARAMETER, name);
        if (!n.isTextual()) throw wrongType(name, "a string", n);
        return n.asText();
    }

    public static String optionalString(JsonNode body, String name, String dflt) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return dflt;
        if (!n.isTextual()) throw wrongType(name, "a string", n);
        return n.asText();
    }

    /** The integer value, or -1 when absent or null. */
    public static int optionalInt(JsonNode body, String name, int min, int max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return -1;
        if (!n.isIntegralNumber()) throw wrongType(name, "an integer", n);
        long v = n.asLong();
        if (v < min) throw invalid(name, "integer below minimum value. Expected a value >= " + min + ", but got "
                + v + " instead");
        if (v > max) throw invalid(name, "integer above maximum value. Expected a value <= " + max + ", but got "
                + v + " instead");
        return (int) v;
    }

    public static boolean optionalBool(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw wrongType(name, "a boolean", n);
        return n.asBoolean();
    }

    /** The catalogue model named by {@code model}, which must be of {@code kind}. */
    public static SimModel model(JsonNode body, SimModel.Kind kind, String endpoint) {
        String id = requiredString(body, "model");
        SimModel m = SimModels.find(id)
                .orElseThrow(() -> SimError.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", id));
        if (m.kind() != kind) {
            throw invalid("model", "'" + id + "' is " + article(m.kind()) + " model and cannot be used with "
                    + endpoint);
        }
        return m;
    }

    /** The text of a content value: a string, an array of parts ({@code text} fields), or an object. */
    public static String textOf(JsonNode n) {
        if (n == null || n.isNull()) return "";
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : n) sb.append(textOf(part));
            return sb.toString();
        }
        if (n.isObject()) {
            if (n.hasNonNull("text")) return textOf(n.get("text"));
            if (n.hasNonNull("content")) return textOf(n.get("content"));
            if (n.hasNonNull("output")) return textOf(n.get("output"));
        }
        return "";
    }

    /** Rejects a prompt that, with the requested output ({@code maxTokens}, -1 if none), exceeds the context. */
    public static void checkContext(SimModel model, int promptTokens, int maxTokens, String param) {
        int requested = promptTokens + Math.max(0, maxTokens);
        if (requested <= model.contextWindow()) return;
        String completion = maxTokens > 0
                ? " (" + promptTokens + " in the messages, " + maxTokens + " in the completion)" : "";
        throw SimError.at(ErrorKind.CONTEXT_LENGTH_EXCEEDED, param, "max", String.valueOf(model.contextWindow()),
                "n", String.valueOf(requested), "completion", completion);
    }

    public static SimError invalid(String param, String why) {
        return SimError.at(ErrorKind.INVALID_VALUE, param, "why", why);
    }

    public static SimError wrongType(String param, String expected, JsonNode actual) {
        return SimError.at(ErrorKind.INVALID_TYPE, param, "expected", expected, "actual", describe(actual));
    }

    public static String describe(JsonNode n) {
        if (n == null || n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isIntegralNumber()) return "an integer";
        if (n.isNumber()) return "a decimal";
        if (n.isArray()) return "an array";
        return "an object";
    }

    private static String article(SimModel.Kind kind) {
        return switch (kind) {
            case CHAT -> "a chat";
            case EMBEDDINGS -> "an embeddings";
            case IMAGES -> "an image";
        };
    }
}
