package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.SseEvent;

import java.util.List;

/**
 * OpenAI's chat shapes that translating adapters produce: the {@code chat.completion} object, its usage, and the
 * {@code chat.completion.chunk} stream events. One place, so every provider's answer looks the same to callers.
 */
public final class ChatShapes {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ChatShapes() {}

    /** One tool call of an answer; {@code arguments} is the JSON text OpenAI sends. */
    public record ToolCall(String id, String name, String arguments) {}

    /**
     * Token counts in OpenAI's terms: {@code prompt} includes cached input ({@code cached} of it read from the
     * provider's prompt cache); -1 = unknown.
     */
    public record Usage(int prompt, int completion, int cached) {
        public ObjectNode toJson() {
            ObjectNode u = F.objectNode();
            u.put("prompt_tokens", Math.max(0, prompt)).put("completion_tokens", Math.max(0, completion))
                    .put("total_tokens", Math.max(0, prompt) + Math.max(0, completion));
            if (cached >= 0) u.putObject("prompt_tokens_details").put("cached_tokens", cached);
            return u;
        }
    }

    /** A whole {@code chat.completion} with one choice. */
    public static ObjectNode completion(String id, long created, String model, String text, List<ToolCall> tools,
                                        String finishReason, Usage usage) {
        ObjectNode root = head(id, "chat.completion", created, model);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode msg = choice.putObject("message").put("role", "assistant");
        if (text == null || (text.isEmpty() && !tools.isEmpty())) msg.putNull("content");
        else msg.put("content", text);
        msg.putNull("refusal");
        if (!tools.isEmpty()) {
            ArrayNode calls = msg.putArray("tool_calls");
            for (ToolCall t : tools) {
                ObjectNode c = calls.addObject().put("id", t.id()).put("type", "function");
                c.putObject("function").put("name", t.name()).put("arguments", t.arguments());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (usage != null) root.set("usage", usage.toJson());
        return root;
    }

    /** A {@code chat.completion.chunk} event with one choice carrying {@code delta} (and a finish reason, or null). */
    public static SseEvent chunk(String id, long created, String model, ObjectNode delta, String finishReason) {
        ObjectNode root = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        return SseEvent.data(root.toString());
    }

    /** The last chunk of {@code stream_options.include_usage}: no choices, the usage. */
    public static SseEvent usageChunk(String id, long created, String model, Usage usage) {
        ObjectNode root = head(id, "chat.completion.chunk", created, model);
        root.putArray("choices");
        root.set("usage", usage.toJson());
        return SseEvent.data(root.toString());
    }

    /** A delta object. */
    public static ObjectNode delta() {
        return F.objectNode();
    }

    /** A tool-call delta: the first one of a call carries id and name, later ones pieces of the arguments. */
    public static ObjectNode toolDelta(int index, String id, String name, String arguments) {
        ObjectNode d = F.objectNode();
        ObjectNode call = d.putArray("tool_calls").addObject().put("index", index);
        if (id != null) call.put("id", id).put("type", "function");
        ObjectNode fn = call.putObject("function");
        if (name != null) fn.put("name", name);
        fn.put("arguments", arguments == null ? "" : arguments);
        return d;
    }

    /** The terminator of a chat stream. */
    public static SseEvent done() {
        return SseEvent.data("[DONE]");
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode root = F.objectNode();
        root.put("id", id).put("object", object).put("created", created).put("model", model);
        return root;
    }
}
