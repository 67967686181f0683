package dev.sluice.gateway.upstream.bedrock;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatShapes;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.StreamTranslator;
import dev.sluice.protocol.aws.EventStream;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ConverseStream's eventstream frames (reassembled and CRC-checked by {@link EventStream.Decoder}) as OpenAI
 * {@code chat.completion.chunk} events: the role chunk with the first output, text deltas → content chunks,
 * {@code contentBlockStart} of a tool use → the tool call's first delta (id, name) and its input deltas → argument
 * pieces, {@code messageStop} → the finish chunk, {@code metadata} → usage (and the usage chunk when asked for), then
 * {@code [DONE]}. An exception frame is Bedrock's error, mapped by {@link BedrockError}; a corrupt frame is garbage.
 */
final class BedrockStream implements StreamTranslator {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final EventStream.Decoder decoder = new EventStream.Decoder();
    private final String id;
    private final String model;
    private final long created;
    private final boolean includeUsage;
    private final Blame.Context context;
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    private boolean opened;
    private boolean stopped;
    private boolean done;
    private boolean failed;

    BedrockStream(String id, String model, long created, boolean includeUsage, Blame.Context context) {
        this.id = id;
        this.model = model;
        this.created = created;
        this.includeUsage = includeUsage;
        this.context = context;
    }

    @Override
    public List<Item> feed(Buffer bytes) {
        if (failed || done) return List.of();
        List<EventStream.Message> messages;
        try {
            messages = decoder.feed(bytes.getBytes());
        } catch (EventStream.FormatException e) {
            failed = true;
            return List.of(new Error(Failure.garbage()));
        }
        List<Item> out = new ArrayList<>();
        for (EventStream.Message m : messages) {
            if (!translate(m, out)) break;
        }
        return out;
    }

    @Override
    public List<Item> end() {
        if (failed || done) return List.of();
        if (stopped) { // metadata never came: the answer itself was whole
            done = true;
            return List.of(new Event(ChatShapes.done()));
        }
        return List.of();
    }

    /** Adds what {@code m} means; false when it ended the stream (an error). */
    private boolean translate(EventStream.Message m, List<Item> out) {
        if (done) return false;
        JsonNode payload;
        try {
            payload = m.payload().length == 0 ? JSON.createObjectNode() : JSON.readTree(m.payload());
        } catch (Exception e) {
            failed = true;
            out.add(new Error(Failure.garbage()));
            return false;
        }
        switch (m.messageType()) {
            case "exception", "error" -> {
                String type = m.messageType().equals("exception") ? m.header(EventStream.EXCEPTION_TYPE)
                        : m.header(EventStream.ERROR_CODE);
                String message = m.messageType().equals("exception") ? payload.path("message").asText("")
                        : m.headers().getOrDefault(EventStream.ERROR_MESSAGE, "");
                BedrockError row = BedrockError.of(0, type, message);
                failed = true;
                out.add(new Error(row.failure(message, context.withError(row.type()), -1)));
                return false;
            }
            default -> event(m.header(EventStream.EVENT_TYPE), payload, out);
        }
        return true;
    }

    private void event(String type, JsonNode p, List<Item> out) {
        switch (type == null ? "" : type) {
            case "messageStart" -> { } // the role chunk waits for the first output (see open)
            case "contentBlockStart" -> {
                JsonNode use = p.path("start").path("toolUse");
                if (use.isObject()) {
                    open(out);
                    int index = toolIndex.size();
                    toolIndex.put(p.path("contentBlockIndex").asInt(), index);
                    out.add(chunk(ChatShapes.toolDelta(index, use.path("toolUseId").asText(), use.path("name").asText(),
                            ""), null));
                }
            }
            case "contentBlockDelta" -> {
                JsonNode delta = p.path("delta");
                if (delta.has("text")) {
                    open(out);
                    out.add(chunk(ChatShapes.delta().put("content", delta.path("text").asText()), null));
                } else if (delta.path("toolUse").has("input")) {
                    open(out);
                    Integer index = toolIndex.get(p.path("contentBlockIndex").asInt());
                    out.add(chunk(ChatShapes.toolDelta(index == null ? 0 : index, null, null,
                            delta.path("toolUse").path("input").asText()), null));
                }
            }
            case "messageStop" -> {
                stopped = true;
                open(out);
                out.add(chunk(ChatShapes.delta(), BedrockConverse.finishReason(p.path("stopReason").asText(""))));
            }
            case "metadata" -> {
                ChatShapes.Usage usage = BedrockConverse.usage(p.path("usage"));
                out.add(new Usage(usage.prompt(), usage.completion()));
                if (includeUsage) out.add(new Event(ChatShapes.usageChunk(id, created, model, usage)));
                if (stopped) {
                    done = true;
                    out.add(new Event(ChatShapes.done()));
                }
            }
            default -> { } // contentBlockStop and event types added later carry nothing for the caller
        }
    }

    /**
     * The role chunk, sent with the first output rather than on {@code messageStart}: until something reaches the
     * caller, an exception frame can still be retried or failed over.
     */
    private void open(List<Item> out) {
        if (opened) return;
        opened = true;
        out.add(chunk(ChatShapes.delta().put("role", "assistant").put("content", ""), null));
    }

    private Event chunk(ObjectNode delta, String finish) {
        return new Event(ChatShapes.chunk(id, created, model, delta, finish));
    }
}
