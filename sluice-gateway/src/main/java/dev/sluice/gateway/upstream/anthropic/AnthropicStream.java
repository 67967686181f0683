package dev.sluice.gateway.upstream.anthropic;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatShapes;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.JsonSseTranslator;
import dev.sluice.protocol.SseEvent;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's stream ({@code message_start}, {@code content_block_start|delta|stop}, {@code message_delta},
 * {@code message_stop}, {@code ping}, {@code error}) as OpenAI {@code chat.completion.chunk} events: the role first,
 * a chunk per text delta, tool calls as OpenAI's indexed tool-call deltas, the finish reason, the usage chunk when
 * the caller asked for it, then {@code [DONE]}. An {@code error} event is the provider's error, mapped by
 * {@link AnthropicError}; unknown event types are skipped, as Anthropic asks of its clients.
 */
final class AnthropicStream extends JsonSseTranslator {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final String model;
    private final long created;
    private final boolean includeUsage;
    private final Blame.Context context;
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    private String id = "msg";
    private JsonNode startUsage = JSON.createObjectNode();
    private int outputTokens = -1;
    private String finish;
    /** The role chunk waits for the first output, so an error before any output can still be retried elsewhere. */
    private boolean roleSent;

    AnthropicStream(String model, long created, boolean includeUsage, Blame.Context context) {
        this.model = model;
        this.created = created;
        this.includeUsage = includeUsage;
        this.context = context;
    }

    @Override
    protected boolean onEvent(SseEvent ev, JsonNode n, List<Item> out) {
        String type = ev.event() != null ? ev.event() : n.path("type").asText("");
        switch (type) {
            case "message_start" -> {
                JsonNode msg = n.path("message");
                id = msg.path("id").asText(id);
                startUsage = msg.path("usage");
            }
            case "content_block_start" -> {
                JsonNode block = n.path("content_block");
                if ("tool_use".equals(block.path("type").asText())) {
                    int idx = toolIndex.size();
                    toolIndex.put(n.path("index").asInt(), idx);
                    add(out, ChatShapes.toolDelta(idx, block.path("id").asText(),
                            block.path("name").asText(), ""), null);
                } else if ("text".equals(block.path("type").asText()) && !block.path("text").asText("").isEmpty()) {
                    add(out, ChatShapes.delta().put("content", block.path("text").asText()), null);
                }
            }
            case "content_block_delta" -> {
                JsonNode d = n.path("delta");
                switch (d.path("type").asText("")) {
                    case "text_delta" -> add(out, ChatShapes.delta().put("content", d.path("text").asText()),
                            null);
                    case "input_json_delta" -> {
                        Integer idx = toolIndex.get(n.path("index").asInt());
                        if (idx != null) {
                            add(out, ChatShapes.toolDelta(idx, null, null, d.path("partial_json").asText()),
                                    null);
                        }
                    }
                    default -> { } // thinking and signature deltas have no chat equivalent
                }
            }
            case "message_delta" -> {
                finish = AnthropicMessages.finishReason(n.path("delta").path("stop_reason").asText(null));
                if (n.path("usage").has("output_tokens")) outputTokens = n.path("usage").path("output_tokens").asInt();
                ChatShapes.Usage u = AnthropicMessages.usage(startUsage, outputTokens);
                out.add(new Usage(u.prompt(), u.completion()));
                add(out, ChatShapes.delta(), finish);
            }
            case "message_stop" -> {
                ChatShapes.Usage u = AnthropicMessages.usage(startUsage, outputTokens);
                if (includeUsage) out.add(new Event(ChatShapes.usageChunk(id, created, model, u)));
                out.add(new Event(ChatShapes.done()));
            }
            case "error" -> {
                JsonNode err = n.path("error");
                AnthropicError row = AnthropicError.of(0, err);
                out.add(new Error(row.failure(err.path("message").asText(""), context.withError(row.type()), -1)));
                return false;
            }
            default -> { } // ping, content_block_stop, and event types added later
        }
        return true;
    }

    /** A chunk; the first one of the stream is preceded by OpenAI's role chunk. */
    private void add(List<Item> out, com.fasterxml.jackson.databind.node.ObjectNode delta, String finishReason) {
        if (!roleSent) {
            roleSent = true;
            out.add(new Event(ChatShapes.chunk(id, created, model,
                    ChatShapes.delta().put("role", "assistant").put("content", ""), null)));
        }
        out.add(new Event(ChatShapes.chunk(id, created, model, delta, finishReason)));
    }
}
