package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulator's tool use, the same in every flavor: when a request declares tools and its last turn is not a tool
 * result, the answer calls the first declared tool with arguments made from its JSON schema (each required property:
 * strings {@code "sim"}, numbers 1, booleans true, arrays empty, objects empty); a tool result is answered with text.
 */
public final class SimTools {
    private SimTools() {}

    /** Deterministic arguments satisfying {@code schema}'s required properties. */
    public static ObjectNode arguments(JsonNode schema) {
        ObjectNode args = Replies.object();
        JsonNode props = schema == null ? null : schema.path("properties");
        for (JsonNode req : schema == null ? Replies.JSON.createArrayNode() : schema.path("required")) {
            String name = req.asText();
            String type = props == null ? "string" : props.path(name).path("type").asText("string")
                    .toLowerCase(java.util.Locale.ROOT);
            switch (type) {
                case "integer", "number" -> args.put(name, 1);
                case "boolean" -> args.put(name, true);
                case "array" -> args.putArray(name);
                case "object" -> args.putObject(name);
                default -> args.put(name, "sim");
            }
        }
        return args;
    }
}
