package dev.sluice.gateway.upstream.gemini;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.ChatShapes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI chat and embeddings ↔ Gemini: {@code contents} with roles {@code user}/{@code model}, the system prompt as
 * {@code systemInstruction}, images as {@code inlineData} (base64) or {@code fileData} (URL), tool calls as
 * {@code functionCall} parts and tool results as {@code functionResponse} parts, sampling in
 * {@code generationConfig}, {@code response_format} JSON as {@code responseMimeType} (+ {@code responseJsonSchema});
 * answers back as {@code chat.completion} with usage ({@code cachedContentTokenCount} → cached tokens).
 */
final class GeminiContents {
    private static final ObjectMapper JSON = Json.MAPPER;
    /** JSON Schema keywords Gemini's {@code parameters} (an OpenAPI subset) refuses; dropped on the way. */
    private static final Set<String> UNSUPPORTED_SCHEMA = Set.of("additionalProperties", "$schema", "strict");

    private GeminiContents() {}

    static ObjectNode request(ChatRequest req) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode contents = root.putArray("contents");
        Map<String, String> toolNames = new HashMap<>();
        for (ChatRequest.Turn turn : req.turns()) {
            ObjectNode c = contents.addObject().put("role", turn.role().equals("assistant") ? "model" : "user");
            ArrayNode parts = c.putArray("parts");
            for (ChatRequest.Part p : turn.parts()) {
                switch (p) {
                    case ChatRequest.Text t -> parts.addObject().put("text", t.text());
                    case ChatRequest.Image i -> {
                        if (i.base64() != null) {
                            parts.addObject().putObject("inlineData").put("mimeType", i.mediaType())
                                    .put("data", i.base64());
                        } else {
                            parts.addObject().putObject("fileData").put("mimeType", mimeOf(i.url()))
                                    .put("fileUri", i.url());
                        }
                    }
                    case ChatRequest.ToolCall tc -> {
                        toolNames.put(tc.id(), tc.name());
                        ObjectNode fc = parts.addObject().putObject("functionCall").put("name", tc.name());
                        fc.set("args", object(tc.arguments()));
                    }
                    case ChatRequest.ToolResult tr -> {
                        ObjectNode fr = parts.addObject().putObject("functionResponse")
                                .put("name", toolNames.getOrDefault(tr.toolCallId(), tr.toolCallId()));
                        JsonNode parsed = parse(tr.content());
                        fr.set("response", parsed != null && parsed.isObject() ? parsed
                                : JSON.createObjectNode().put("result", tr.content()));
                    }
                }
            }
        }
        if (req.system() != null) {
            root.putObject("systemInstruction").putArray("parts").addObject().put("text", req.system());
        }
        if (!req.tools().isEmpty()) {
            ArrayNode decls = root.putArray("tools").addObject().putArray("functionDeclarations");
            for (ChatRequest.Tool t : req.tools()) {
                ObjectNode d = decls.addObject().put("name", t.name());
                if (t.description() != null) d.put("description", t.description());
                if (t.parameters() != null) d.set("parameters", schema(t.parameters()));
            }
        }
        if (req.toolChoice() != null) {
            ObjectNode fcc = root.putObject("toolConfig").putObject("functionCallingConfig");
            switch (req.toolChoice().mode()) {
                case "none" -> fcc.put("mode", "NONE");
                case "required" -> fcc.put("mode", "ANY");
                case "function" -> fcc.put("mode", "ANY").putArray("allowedFunctionNames").add(req.toolChoice().name());
                default -> fcc.put("mode", "AUTO");
            }
        }
        ObjectNode gc = JSON.createObjectNode();
        if (req.maxTokens() != null) gc.put("maxOutputTokens", req.maxTokens());
        if (req.temperature() != null) gc.put("temperature", req.temperature());
        if (req.topP() != null) gc.put("topP", req.topP());
        if (!req.stop().isEmpty()) {
            ArrayNode s = gc.putArray("stopSequences");
            req.stop().forEach(s::add);
        }
        if ("json_object".equals(req.responseFormat()) || "json_schema".equals(req.responseFormat())) {
            gc.put("responseMimeType", "application/json");
            if (req.jsonSchema() != null) gc.set("responseJsonSchema", req.jsonSchema());
        }
        if (!gc.isEmpty()) root.set("generationConfig", gc);
        return root;
    }

    /** A {@code chat.completion} from a whole {@code GenerateContentResponse}. */
    static ObjectNode completion(JsonNode root, String id, String model, long created) {
        JsonNode cand = root.path("candidates").path(0);
        StringBuilder text = new StringBuilder();
        List<ChatShapes.ToolCall> calls = new ArrayList<>();
        for (JsonNode p : cand.path("content").path("parts")) {
            if (p.path("thought").asBoolean(false)) continue;
            if (p.has("text")) text.append(p.path("text").asText());
            if (p.has("functionCall")) calls.add(toolCall(p.get("functionCall"), id, calls.size()));
        }
        String finish = cand.isMissingNode() ? "content_filter" : finishReason(cand.path("finishReason").asText(""),
                !calls.isEmpty());
        return ChatShapes.completion(id, created, model, calls.isEmpty() || !text.isEmpty() ? text.toString() : null,
                calls, finish, usage(root.path("usageMetadata")));
    }

    static ChatShapes.ToolCall toolCall(JsonNode fc, String responseId, int index) {
        String id = fc.hasNonNull("id") ? fc.get("id").asText() : "call_" + responseId + "_" + index;
        JsonNode args = fc.path("args");
        return new ChatShapes.ToolCall(id, fc.path("name").asText(), args.isMissingNode() ? "{}" : args.toString());
    }

    /** Gemini's finish reasons in OpenAI's terms; a function call is {@code tool_calls} whatever Gemini said. */
    static String finishReason(String reason, boolean calledTools) {
        if (calledTools && (reason.isEmpty() || reason.equals("STOP"))) return "tool_calls";
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
                    "content_filter";
            default -> "stop";
        };
    }

    /** {@code usageMetadata} in OpenAI's terms: the prompt includes cached tokens; thoughts count as output. */
    static ChatShapes.Usage usage(JsonNode u) {
        if (u == null || u.isMissingNode()) return new ChatShapes.Usage(0, 0, -1);
        int out = u.path("candidatesTokenCount").asInt(0) + u.path("thoughtsTokenCount").asInt(0);
        return new ChatShapes.Usage(u.path("promptTokenCount").asInt(0), out,
                u.has("cachedContentTokenCount") ? u.get("cachedContentTokenCount").asInt() : -1);
    }

    /** OpenAI's embeddings body → {@code batchEmbedContents}. */
    static ObjectNode embedRequest(JsonNode body, String model) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode reqs = root.putArray("requests");
        JsonNode input = body.path("input");
        List<String> texts = new ArrayList<>();
        if (input.isTextual()) texts.add(input.asText());
        else input.forEach(t -> texts.add(t.asText()));
        for (String t : texts) {
            ObjectNode r = reqs.addObject().put("model", "models/" + model);
            r.putObject("content").putArray("parts").addObject().put("text", t);
            if (body.hasNonNull("dimensions")) r.put("outputDimensionality", body.get("dimensions").asInt());
        }
        return root;
    }

    /** {@code batchEmbedContents}' answer → OpenAI's list; Gemini counts no tokens, so usage is the gateway's count. */
    static ObjectNode embeddings(JsonNode root, String model, boolean base64, int promptTokens) {
        ObjectNode out = JSON.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        int i = 0;
        for (JsonNode e : root.path("embeddings")) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i++);
            JsonNode values = e.path("values");
            if (base64) {
                ByteBuffer b = ByteBuffer.allocate(values.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (JsonNode v : values) b.putFloat((float) v.asDouble());
                item.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode arr = item.putArray("embedding");
                for (JsonNode v : values) arr.add((float) v.asDouble());
            }
        }
        out.put("model", model);
        int n = Math.max(0, promptTokens);
        out.putObject("usage").put("prompt_tokens", n).put("total_tokens", n);
        return out;
    }

    private static JsonNode schema(JsonNode s) {
        if (s.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            s.properties().forEach(e -> {
                if (!UNSUPPORTED_SCHEMA.contains(e.getKey())) copy.set(e.getKey(), schema(e.getValue()));
            });
            return copy;
        }
        if (s.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            s.forEach(x -> copy.add(schema(x)));
            return copy;
        }
        return s;
    }

    private static String mimeOf(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        if (u.endsWith(".png")) return "image/png";
        if (u.endsWith(".webp")) return "image/webp";
        if (u.endsWith(".gif")) return "image/gif";
        if (u.endsWith(".pdf")) return "application/pdf";
        return "image/jpeg";
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
