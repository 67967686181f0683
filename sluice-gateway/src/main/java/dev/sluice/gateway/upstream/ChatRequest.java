package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;

import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI chat request read into plain records, the common input of every translating adapter: system text apart,
 * the conversation as turns of parts (text, image, tool call, tool result), sampling settings, tools. Reading it
 * throws a 400 for what no provider of ours can take (several choices, log-probabilities, audio), so those requests
 * fail the same way everywhere; each adapter refuses further what its provider lacks.
 */
public record ChatRequest(String system, List<Turn> turns, Integer maxTokens, Double temperature, Double topP,
                          List<String> stop, List<Tool> tools, ToolChoice toolChoice, boolean parallelToolCalls,
                          String responseFormat, JsonNode jsonSchema, boolean stream, boolean includeUsage,
                          String user) {

    /** A message of the conversation: role {@code user} or {@code assistant} (tool results are user turns). */
    public record Turn(String role, List<Part> parts) {}

    public sealed interface Part {}

    public record Text(String text) implements Part {}

    /** An image: either {@code url} (http/https) or {@code base64} data of {@code mediaType}. */
    public record Image(String url, String mediaType, String base64) implements Part {}

    /** An assistant's call of a tool; {@code arguments} is JSON text. */
    public record ToolCall(String id, String name, String arguments) implements Part {}

    /** The result of a tool call, sent back by the caller. */
    public record ToolResult(String toolCallId, String content) implements Part {}

    /** A function the model may call; {@code parameters} is its JSON schema (may be null). */
    public record Tool(String name, String description, JsonNode parameters) {}

    /** {@code mode}: auto, none, required, or function (then {@code name}). */
    public record ToolChoice(String mode, String name) {}

    /** Reads an OpenAI chat body (already validated by the gateway's request checks). */
    public static ChatRequest read(JsonNode body) {
        if (body.path("n").asInt(1) > 1) throw unsupported("n", "only one choice (n=1) can be generated");
        if (body.path("logprobs").asBoolean(false)) throw unsupported("logprobs", "log probabilities are not available");
        if (body.has("audio") && !body.get("audio").isNull()) throw unsupported("audio", "audio output is not available");
        StringBuilder system = new StringBuilder();
        List<Turn> turns = new ArrayList<>();
        JsonNode messages = body.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            switch (role) {
                case "system", "developer" -> {
                    if (!system.isEmpty()) system.append("\n\n");
                    system.append(text(m.get("content"), "messages[" + i + "].content"));
                }
                case "user" -> add(turns, "user", parts(m.get("content"), "messages[" + i + "].content"));
                case "assistant" -> {
                    List<Part> parts = new ArrayList<>();
                    JsonNode content = m.get("content");
                    if (content != null && !content.isNull()) {
                        String t = text(content, "messages[" + i + "].content");
                        if (!t.isEmpty()) parts.add(new Text(t));
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        JsonNode fn = call.path("function");
                        parts.add(new ToolCall(call.path("id").asText(), fn.path("name").asText(),
                                fn.path("arguments").asText("{}")));
                    }
                    add(turns, "assistant", parts);
                }
                case "tool" -> add(turns, "user", List.of(new ToolResult(m.path("tool_call_id").asText(),
                        text(m.get("content"), "messages[" + i + "].content"))));
                default -> throw unsupported("messages[" + i + "].role", "role '" + role + "' is not supported");
            }
        }
        Integer max = body.hasNonNull("max_completion_tokens") ? Integer.valueOf(body.get("max_completion_tokens").asInt())
                : body.hasNonNull("max_tokens") ? Integer.valueOf(body.get("max_tokens").asInt()) : null;
        List<String> stop = new ArrayList<>();
        JsonNode s = body.get("stop");
        if (s != null && s.isTextual()) stop.add(s.asText());
        else if (s != null && s.isArray()) s.forEach(x -> stop.add(x.asText()));
        List<Tool> tools = new ArrayList<>();
        for (JsonNode t : body.path("tools")) {
            if (!"function".equals(t.path("type").asText("function"))) {
                throw unsupported("tools", "only function tools are supported");
            }
            JsonNode fn = t.path("function");
            tools.add(new Tool(fn.path("name").asText(), fn.hasNonNull("description") ? fn.get("description").asText()
                    : null, fn.hasNonNull("parameters") ? fn.get("parameters") : null));
        }
        ToolChoice choice = null;
        JsonNode tc = body.get("tool_choice");
        if (tc != null && tc.isTextual()) choice = new ToolChoice(tc.asText(), null);
        else if (tc != null && tc.isObject()) choice = new ToolChoice("function", tc.path("function").path("name").asText());
        JsonNode rf = body.path("response_format");
        String format = rf.path("type").asText("text");
        JsonNode schema = rf.path("json_schema").path("schema");
        return new ChatRequest(system.isEmpty() ? null : system.toString(), turns, max,
                body.hasNonNull("temperature") ? body.get("temperature").asDouble() : null,
                body.hasNonNull("top_p") ? body.get("top_p").asDouble() : null, stop, tools, choice,
                body.path("parallel_tool_calls").asBoolean(true), format, schema.isMissingNode() ? null : schema,
                body.path("stream").asBoolean(false), body.path("stream_options").path("include_usage").asBoolean(false),
                body.hasNonNull("user") ? body.get("user").asText() : null);
    }

    /** A 400 naming the parameter this provider cannot take. */
    public static ApiException unsupported(String param, String why) {
        return ApiException.at(ErrorKind.INVALID_VALUE, param, "why", why + " for this model");
    }

    /** Consecutive turns of one role become one (Anthropic and Bedrock require alternation; Gemini is fine with it). */
    private static void add(List<Turn> turns, String role, List<Part> parts) {
        if (!turns.isEmpty() && turns.getLast().role().equals(role)) {
            List<Part> merged = new ArrayList<>(turns.getLast().parts());
            merged.addAll(parts);
            turns.set(turns.size() - 1, new Turn(role, merged));
        } else {
            turns.add(new Turn(role, parts));
        }
    }

    private static String text(JsonNode content, String param) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        StringBuilder sb = new StringBuilder();
        for (Part p : parts(content, param)) {
            if (p instanceof Text t) sb.append(t.text());
            else throw unsupported(param, "only text is supported in this message");
        }
        return sb.toString();
    }

    private static List<Part> parts(JsonNode content, String param) {
        List<Part> out = new ArrayList<>();
        if (content == null || content.isNull()) return out;
        if (content.isTextual()) {
            out.add(new Text(content.asText()));
            return out;
        }
        for (JsonNode p : content) {
            switch (p.path("type").asText("")) {
                case "text" -> out.add(new Text(p.path("text").asText()));
                case "image_url" -> {
                    JsonNode iu = p.get("image_url");
                    String url = iu != null && iu.isTextual() ? iu.asText() : iu == null ? "" : iu.path("url").asText();
                    out.add(image(url, param));
                }
                default -> throw unsupported(param, "content part type '" + p.path("type").asText() + "' is not "
                        + "supported");
            }
        }
        return out;
    }

    /** A {@code data:image/png;base64,…} URL becomes inline data; an http(s) URL stays a URL. */
    private static Image image(String url, String param) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (comma < 0 || !meta.endsWith(";base64")) throw unsupported(param, "image data URLs must be base64");
            return new Image(null, meta.substring(0, meta.length() - ";base64".length()), url.substring(comma + 1));
        }
        if (url.startsWith("http://") || url.startsWith("https://")) return new Image(url, null, null);
        throw unsupported(param, "an image must be an http(s) URL or a base64 data URL");
    }
}
