package dev.sluice.gateway.upstream.anthropic;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.upstream.Blame;
import dev.sluice.gateway.upstream.ChatRequest;
import dev.sluice.gateway.upstream.ChatShapes;
import dev.sluice.gateway.upstream.Failure;
import dev.sluice.gateway.upstream.JsonSseTranslator;
import dev.sluice.protocol.SseEvent;

import java.util.List;

/**
 * The Responses API ({@code /v1/responses}) on the Messages API, for text: {@code input} (a string, or messages of
 * {@code input_text} / {@code output_text} parts) and {@code instructions} become Messages' turns and system,
 * {@code max_output_tokens} its {@code max_tokens}; the answer is a {@code response} object with one
 * {@code output_text}, and a stream is OpenAI's event sequence ({@code response.created} … {@code response.completed}
 * or {@code response.incomplete}) with {@code sequence_number}s from 0. Tools, images, {@code previous_response_id}
 * and JSON formats are refused with a 400 naming the parameter.
 */
final class AnthropicResponses {
    private static final ObjectMapper JSON = Json.MAPPER;

    private AnthropicResponses() {}

    static ObjectNode request(JsonNode body, String model, int defaultMax) {
        for (String p : new String[] {"tools", "previous_response_id", "conversation", "reasoning"}) {
            JsonNode v = body.get(p);
            if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty())) {
                throw ChatRequest.unsupported(p, "'" + p + "' is not available");
            }
        }
        String format = body.path("text").path("format").path("type").asText("text");
        if (!format.equals("text")) throw ChatRequest.unsupported("text.format", "format '" + format + "' is not available");
        ObjectNode out = JSON.createObjectNode().put("model", model);
        out.put("max_tokens", body.hasNonNull("max_output_tokens") ? body.get("max_output_tokens").asInt() : defaultMax);
        if (body.hasNonNull("instructions")) out.put("system", body.get("instructions").asText());
        ArrayNode messages = out.putArray("messages");
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else {
            for (int i = 0; i < input.size(); i++) {
                JsonNode m = input.get(i);
                String role = m.path("role").asText("user");
                if (role.equals("system") || role.equals("developer")) {
                    String prior = out.path("system").asText("");
                    out.put("system", prior.isEmpty() ? text(m.get("content"), i) : prior + "\n\n" + text(m.get("content"), i));
                    continue;
                }
                if (!m.path("type").asText("message").equals("message")) {
                    throw ChatRequest.unsupported("input[" + i + "]", "input items of type '"
                            + m.path("type").asText() + "' are not available");
                }
                messages.addObject().put("role", role.equals("assistant") ? "assistant" : "user")
                        .put("content", text(m.get("content"), i));
            }
        }
        if (body.hasNonNull("temperature")) out.put("temperature", Math.min(1.0, body.get("temperature").asDouble()));
        if (body.hasNonNull("top_p")) out.put("top_p", body.get("top_p").asDouble());
        if (body.path("stream").asBoolean(false)) out.put("stream", true);
        return out;
    }

    private static String text(JsonNode content, int i) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : content) {
            String type = p.path("type").asText("");
            if (!type.equals("input_text") && !type.equals("output_text") && !type.equals("text")) {
                throw ChatRequest.unsupported("input[" + i + "].content", "content parts of type '" + type
                        + "' are not available");
            }
            sb.append(p.path("text").asText());
        }
        return sb.toString();
    }

    /** The whole {@code response} object of a Messages answer (or of a stream's final state). */
    static ObjectNode response(String id, String messageId, long created, String model, String status, String text,
                               ChatShapes.Usage usage) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id).put("object", "response").put("created_at", created).put("status", status).putNull("error");
        if ("incomplete".equals(status)) r.putObject("incomplete_details").put("reason", "max_output_tokens");
        else r.putNull("incomplete_details");
        r.put("model", model);
        ArrayNode output = r.putArray("output");
        if (text != null) output.add(message(messageId, text, "completed"));
        if (usage == null) {
            r.putNull("usage");
        } else {
            ObjectNode u = r.putObject("usage");
            u.put("input_tokens", usage.prompt());
            u.putObject("input_tokens_details").put("cached_tokens", Math.max(0, usage.cached()));
            u.put("output_tokens", usage.completion());
            u.putObject("output_tokens_details").put("reasoning_tokens", 0);
            u.put("total_tokens", usage.prompt() + usage.completion());
        }
        return r;
    }

    private static ObjectNode message(String id, String text, String status) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", "message").put("id", id).put("status", status).put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) content.add(part(text));
        return m;
    }

    private static ObjectNode part(String text) {
        ObjectNode p = JSON.createObjectNode().put("type", "output_text").put("text", text);
        p.putArray("annotations");
        return p;
    }

    static String status(String stopReason) {
        return "max_tokens".equals(stopReason) ? "incomplete" : "completed";
    }

    /** A Messages answer as a {@code response}. */
    static ObjectNode fromMessage(JsonNode msg, String model, long created) {
        StringBuilder text = new StringBuilder();
        for (JsonNode block : msg.path("content")) {
            if ("text".equals(block.path("type").asText())) text.append(block.path("text").asText());
        }
        String id = msg.path("id").asText("msg");
        return response("resp_" + id, id, created, model, status(msg.path("stop_reason").asText(null)),
                text.toString(), AnthropicMessages.usage(msg.path("usage"), -1));
    }

    /** Messages stream events → Responses stream events. */
    static final class Stream extends JsonSseTranslator {
        private final String model;
        private final long created;
        private final Blame.Context context;
        private final StringBuilder text = new StringBuilder();
        private String messageId = "msg";
        private JsonNode startUsage = JSON.createObjectNode();
        private int outputTokens = -1;
        private String stopReason;
        private boolean opened;
        private int sequence;

        Stream(String model, long created, Blame.Context context) {
            this.model = model;
            this.created = created;
            this.context = context;
        }

        private String responseId() {
            return "resp_" + messageId;
        }

        private ObjectNode event(String type) {
            return JSON.createObjectNode().put("type", type).put("sequence_number", sequence++);
        }

        private ObjectNode located(String type) {
            return event(type).put("item_id", messageId).put("output_index", 0).put("content_index", 0);
        }

        private static Item emit(ObjectNode e) {
            return new Event(SseEvent.named(e.get("type").asText(), e.toString()));
        }

        /** The opening events, before the first output (so an early error can still be retried elsewhere). */
        private void open(List<Item> out) {
            if (opened) return;
            opened = true;
            ObjectNode c = event("response.created");
            c.set("response", response(responseId(), messageId, created, model, "in_progress", null, null));
            out.add(emit(c));
            ObjectNode p = event("response.in_progress");
            p.set("response", response(responseId(), messageId, created, model, "in_progress", null, null));
            out.add(emit(p));
            ObjectNode item = event("response.output_item.added").put("output_index", 0);
            item.set("item", message(messageId, null, "in_progress"));
            out.add(emit(item));
            ObjectNode part = located("response.content_part.added");
            part.set("part", part(""));
            out.add(emit(part));
        }

        @Override
        protected boolean onEvent(SseEvent ev, JsonNode n, List<Item> out) {
            String type = ev.event() != null ? ev.event() : n.path("type").asText("");
            switch (type) {
                case "message_start" -> {
                    messageId = n.path("message").path("id").asText(messageId);
                    startUsage = n.path("message").path("usage");
                }
                case "content_block_delta" -> {
                    if ("text_delta".equals(n.path("delta").path("type").asText())) {
                        open(out);
                        String piece = n.path("delta").path("text").asText();
                        text.append(piece);
                        ObjectNode d = located("response.output_text.delta").put("delta", piece);
                        d.putArray("logprobs");
                        out.add(emit(d));
                    }
                }
                case "message_delta" -> {
                    stopReason = n.path("delta").path("stop_reason").asText(null);
                    if (n.path("usage").has("output_tokens")) outputTokens = n.path("usage").path("output_tokens").asInt();
                    ChatShapes.Usage u = AnthropicMessages.usage(startUsage, outputTokens);
                    out.add(new Usage(u.prompt(), u.completion()));
                }
                case "message_stop" -> {
                    open(out);
                    String t = text.toString();
                    ObjectNode textDone = located("response.output_text.done").put("text", t);
                    textDone.putArray("logprobs");
                    out.add(emit(textDone));
                    ObjectNode partDone = located("response.content_part.done");
                    partDone.set("part", part(t));
                    out.add(emit(partDone));
                    ObjectNode itemDone = event("response.output_item.done").put("output_index", 0);
                    itemDone.set("item", message(messageId, t, "completed"));
                    out.add(emit(itemDone));
                    String status = status(stopReason);
                    ObjectNode done = event("completed".equals(status) ? "response.completed" : "response.incomplete");
                    done.set("response", response(responseId(), messageId, created, model, status, t,
                            AnthropicMessages.usage(startUsage, outputTokens)));
                    out.add(emit(done));
                }
                case "error" -> {
                    JsonNode err = n.path("error");
                    AnthropicError row = AnthropicError.of(0, err);
                    out.add(new Error(row.failure(err.path("message").asText(""), context.withError(row.type()), -1)));
                    return false;
                }
                default -> { } // ping, content blocks, tool use (not translated), later event types
            }
            return true;
        }
    }
}
