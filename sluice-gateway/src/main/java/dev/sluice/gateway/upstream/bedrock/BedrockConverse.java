package dev.sluice.gateway.upstream.bedrock;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.ChatShapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI chat ↔ Bedrock Converse: {@code messages} of content blocks ({@code text}, {@code image} with base64
 * {@code bytes}, {@code toolUse}, {@code toolResult}), {@code system} blocks, {@code inferenceConfig}
 * ({@code maxTokens}, {@code temperature}, {@code topP}, {@code stopSequences}) and {@code toolConfig}; answers back
 * as {@code chat.completion}, the usage in OpenAI's terms (cache reads and writes are part of the prompt, reads are
 * its cached tokens). Converse takes no image URLs and has no JSON mode: those requests get a 400 naming the field.
 */
final class BedrockConverse {
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");

    private BedrockConverse() {}

    static ObjectNode request(ChatRequest req) {
        if ("json_object".equals(req.responseFormat()) || "json_schema".equals(req.responseFormat())) {
            throw ChatRequest.unsupported("response_format", "JSON output (response_format) is not available");
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode messages = root.putArray("messages");
        for (ChatRequest.Turn turn : req.turns()) {
            ObjectNode m = messages.addObject().put("role", turn.role());
            ArrayNode content = m.putArray("content");
            for (ChatRequest.Part p : turn.parts()) {
                switch (p) {
                    case ChatRequest.Text t -> content.addObject().put("text", t.text());
                    case ChatRequest.Image i -> {
                        String format = i.mediaType() == null ? "" : i.mediaType().replace("image/", "")
                                .replace("jpg", "jpeg");
                        if (i.base64() == null || !IMAGE_FORMATS.contains(format)) {
                            throw ChatRequest.unsupported("messages", "images must be base64 data URLs of png, "
                                    + "jpeg, gif or webp (Bedrock fetches no URLs)");
                        }
                        content.addObject().putObject("image").put("format", format).putObject("source")
                                .put("bytes", i.base64());
                    }
                    case ChatRequest.ToolCall tc -> {
                        ObjectNode use = content.addObject().putObject("toolUse").put("toolUseId", tc.id())
                                .put("name", tc.name());
                        use.set("input", object(tc.arguments()));
                    }
                    case ChatRequest.ToolResult tr -> {
                        ObjectNode result = content.addObject().putObject("toolResult")
                                .put("toolUseId", tr.toolCallId());
                        JsonNode parsed = parse(tr.content());
                        if (parsed != null && parsed.isObject()) result.putArray("content").addObject().set("json", parsed);
                        else result.putArray("content").addObject().put("text", tr.content());
                    }
                }
            }
        }
        if (req.system() != null) root.putArray("system").addObject().put("text", req.system());
        ObjectNode cfg = JSON.createObjectNode();
        if (req.maxTokens() != null) cfg.put("maxTokens", req.maxTokens());
        if (req.temperature() != null) cfg.put("temperature", req.temperature());
        if (req.topP() != null) cfg.put("topP", req.topP());
        if (!req.stop().isEmpty()) {
            ArrayNode s = cfg.putArray("stopSequences");
            req.stop().forEach(s::add);
        }
        if (!cfg.isEmpty()) root.set("inferenceConfig", cfg);
        if (!req.tools().isEmpty()) {
            ObjectNode tc = root.putObject("toolConfig");
            ArrayNode tools = tc.putArray("tools");
            for (ChatRequest.Tool t : req.tools()) {
                ObjectNode spec = tools.addObject().putObject("toolSpec").put("name", t.name());
                if (t.description() != null) spec.put("description", t.description());
                spec.putObject("inputSchema").set("json", t.parameters() != null ? t.parameters()
                        : JSON.createObjectNode().put("type", "object"));
            }
            if (req.toolChoice() != null) {
                switch (req.toolChoice().mode()) {
                    case "required" -> tc.putObject("toolChoice").putObject("any");
                    case "function" -> tc.putObject("toolChoice").putObject("tool").put("name", req.toolChoice().name());
                    case "auto" -> tc.putObject("toolChoice").putObject("auto");
                    default -> { } // "none": Converse has no such choice; the tools stay declared for the history
                }
            }
        }
        return root;
    }

    /** A {@code chat.completion} from a Converse answer. */
    static ObjectNode completion(JsonNode root, String id, String model, long created) {
        StringBuilder text = new StringBuilder();
        List<ChatShapes.ToolCall> calls = new ArrayList<>();
        for (JsonNode b : root.path("output").path("message").path("content")) {
            if (b.has("text")) text.append(b.path("text").asText());
            if (b.has("toolUse")) {
                JsonNode u = b.get("toolUse");
                calls.add(new ChatShapes.ToolCall(u.path("toolUseId").asText(), u.path("name").asText(),
                        u.path("input").isMissingNode() ? "{}" : u.path("input").toString()));
            }
        }
        return ChatShapes.completion(id, created, model, calls.isEmpty() || !text.isEmpty() ? text.toString() : null,
                calls, finishReason(root.path("stopReason").asText("")), usage(root.path("usage")));
    }

    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens" -> "length";
            case "tool_use" -> "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop";
        };
    }

    static ChatShapes.Usage usage(JsonNode u) {
        if (u == null || u.isMissingNode()) return new ChatShapes.Usage(0, 0, -1);
        int read = u.path("cacheReadInputTokens").asInt(0);
        int prompt = u.path("inputTokens").asInt(0) + read + u.path("cacheWriteInputTokens").asInt(0);
        return new ChatShapes.Usage(prompt, u.path("outputTokens").asInt(0),
                u.has("cacheReadInputTokens") ? read : -1);
    }

    /** OpenAI's embeddings body → a Titan text embeddings body (one input per request). */
    static ObjectNode embedRequest(JsonNode body) {
        JsonNode input = body.path("input");
        String text;
        if (input.isTextual()) text = input.asText();
        else if (input.isArray() && input.size() == 1 && input.get(0).isTextual()) text = input.get(0).asText();
        else throw ChatRequest.unsupported("input", "one input string per request is supported");
        ObjectNode root = JSON.createObjectNode().put("inputText", text);
        if (body.hasNonNull("dimensions")) root.put("dimensions", body.get("dimensions").asInt());
        return root;
    }

    /** A Titan answer ({@code embedding}, {@code inputTextTokenCount}) → OpenAI's list. */
    static ObjectNode embeddings(JsonNode root, String model, boolean base64) {
        ObjectNode out = JSON.createObjectNode().put("object", "list");
        ObjectNode item = out.putArray("data").addObject().put("object", "embedding").put("index", 0);
        JsonNode values = root.path("embedding");
        if (base64) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.size() * 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (JsonNode v : values) b.putFloat((float) v.asDouble());
            item.put("embedding", java.util.Base64.getEncoder().encodeToString(b.array()));
        } else {
            ArrayNode arr = item.putArray("embedding");
            for (JsonNode v : values) arr.add((float) v.asDouble());
        }
        out.put("model", model);
        int n = root.path("inputTextTokenCount").asInt(0);
        out.putObject("usage").put("prompt_tokens", n).put("total_tokens", n);
        return out;
    }

    private static JsonNode object(String json) {
        JsonNode n = parse(json);
        return n != null && n.isObject() ? n : JSON.createObjectNode();
    }

    private static JsonNode parse(String json) {
        try {
            return json == null || json.isBlank() ? null : JSON.readTree(json);
        } catch (Exception e) {
            return null;
        }
    }
}
