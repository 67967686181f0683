package dev.sluice.gateway.upstream.anthropic;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.ChatShapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The two JSON translations of the Messages API: an OpenAI chat request into a Messages request, and a Messages answer
 * into a {@code chat.completion}. Streams are {@link AnthropicStream}'s.
 */
final class AnthropicMessages {
    private static final ObjectMapper JSON = Json.MAPPER;

    private AnthropicMessages() {}

    /** The Messages request; {@code defaultMaxTokens} fills Anthropic's required {@code max_tokens}. */
    static ObjectNode request(ChatRequest r, String model, int defaultMaxTokens) {
        if (!"text".equals(r.responseFormat())) {
            throw ChatRequest.unsupported("response_format", "response_format '" + r.responseFormat()
                    + "' is not available");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        out.put("max_tokens", r.maxTokens() != null ? r.maxTokens() : defaultMaxTokens);
        if (r.system() != null) out.put("system", r.system());
        ArrayNode messages = out.putArray("messages");
        for (ChatRequest.Turn t : r.turns()) {
            ObjectNode m = messages.addObject().put("role", t.role());
            ArrayNode content = m.putArray("content");
            for (ChatRequest.Part p : t.parts()) {
                switch (p) {
                    case ChatRequest.Text x -> content.addObject().put("type", "text").put("text", x.text());
                    case ChatRequest.Image x -> {
                        ObjectNode src = content.addObject().put("type", "image").putObject("source");
                        if (x.url() != null) src.put("type", "url").put("url", x.url());
                        else src.put("type", "base64").put("media_type", x.mediaType()).put("data", x.base64());
                    }
                    case ChatRequest.ToolCall x -> content.addObject().put("type", "tool_use").put("id", x.id())
                            .put("name", x.name()).set("input", arguments(x.arguments()));
                    case ChatRequest.ToolResult x -> content.addObject().put("type", "tool_result")
                            .put("tool_use_id", x.toolCallId()).put("content", x.content());
                }
            }
        }
        if (r.temperature() != null) out.put("temperature", Math.min(1.0, r.temperature()));
        if (r.topP() != null) out.put("top_p", r.topP());
        if (!r.stop().isEmpty()) {
            ArrayNode s = out.putArray("stop_sequences");
            r.stop().forEach(s::add);
        }
        if (!r.tools().isEmpty()) {
            ArrayNode tools = out.putArray("tools");
            for (ChatRequest.Tool t : r.tools()) {
                ObjectNode tool = tools.addObject().put("name", t.name());
                if (t.description() != null) tool.put("description", t.description());
                tool.set("input_schema", t.parameters() != null ? t.parameters()
                        : JSON.createObjectNode().put("type", "object"));
            }
        }
        if (r.toolChoice() != null || !r.parallelToolCalls()) {
            ObjectNode tc = JSON.createObjectNode();
            String mode = r.toolChoice() == null ? "auto" : r.toolChoice().mode();
            switch (mode) {
                case "none" -> tc.put("type", "none");
                case "required" -> tc.put("type", "any");
                case "function" -> tc.put("type", "tool").put("name", r.toolChoice().name());
                default -> tc.put("type", "auto");
            }
            if (!r.parallelToolCalls() && !mode.equals("none")) tc.put("disable_parallel_tool_use", true);
            if (!r.tools().isEmpty()) out.set("tool_choice", tc);
        }
        if (r.user() != null) out.putObject("metadata").put("user_id", r.user());
        if (r.stream()) out.put("stream", true);
        return out;
    }

    private static JsonNode arguments(String json) {
        try {
            JsonNode n = JSON.readTree(json == null || json.isBlank() ? "{}" : json);
            return n.isObject() ? n : JSON.createObjectNode();
        } catch (Exception e) {
            throw ChatRequest.unsupported("messages", "tool call arguments must be a JSON object");
        }
    }

    /** OpenAI's finish reason for Anthropic's {@code stop_reason}. */
    static String finishReason(String stopReason) {
        if (stopReason == null) return "stop";
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** OpenAI usage of an Anthropic usage object: cached input is part of the prompt. */
    static ChatShapes.Usage usage(JsonNode u, int outputTokens) {
        int cacheRead = u.path("cache_read_input_tokens").asInt(0);
        int prompt = u.path("input_tokens").asInt(0) + u.path("cache_creation_input_tokens").asInt(0) + cacheRead;
        return new ChatShapes.Usage(prompt, outputTokens >= 0 ? outputTokens : u.path("output_tokens").asInt(0),
                cacheRead);
    }

    /** A Messages answer as a {@code chat.completion}. */
    static ObjectNode completion(JsonNode msg, String model, long created) {
        StringBuilder text = new StringBuilder();
        List<ChatShapes.ToolCall> calls = new ArrayList<>();
        for (JsonNode block : msg.path("content")) {
            switch (block.path("type").asText("")) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> calls.add(new ChatShapes.ToolCall(block.path("id").asText(),
                        block.path("name").asText(), block.path("input").toString()));
                default -> { } // thinking and server-tool blocks have no chat equivalent
            }
        }
        return ChatShapes.completion(msg.path("id").asText(), created, model, text.toString(), calls,
                finishReason(msg.path("stop_reason").asText(null)), usage(msg.path("usage"), -1));
    }
}
