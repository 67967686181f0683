package dev.sluice.sim.internal.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.internal.Completion;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Endpoint;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Fields;
import dev.sluice.sim.internal.NativeError;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimError;
import dev.sluice.sim.internal.SseStream;
import dev.sluice.sim.internal.TextGen;
import dev.sluice.sim.internal.Tokens;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/messages}: a credential ({@code x-api-key}, or an OAuth bearer token) and {@code anthropic-version}
 * are required, as by Anthropic (401 {@code authentication_error} / 400). Text answers are the simulator's deterministic text; when the request offers
 * {@code tools} and its last turn is not a {@code tool_result}, the answer calls the first tool (stop reason
 * {@code tool_use}, input {@code {"query": "sim"}}), so a tool round trip can be exercised. Streams send
 * {@code message_start}, {@code content_block_start}, {@code ping}, one {@code content_block_delta} per token,
 * {@code content_block_stop}, {@code message_delta} (stop reason, usage) and {@code message_stop}; a
 * {@code stream_error_after} fault is an {@code event: error} with the row of {@code error=} (default
 * {@code overloaded_error}, the one Anthropic sends mid-stream).
 */
final class Messages implements Endpoint<Messages.Call> {

    record Call(SimModel model, long seed, int promptTokens, int maxTokens, boolean stream, JsonNode tool)
            implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }
    }

    private final int defaultTps;

    Messages(int defaultTps) {
        this.defaultTps = defaultTps;
    }

    /** Anthropic checks the credential and the version header before the body. */
    @Override
    public Call parse(Exchange ex, JsonNode body, Directives d) {
        String key = ex.ctx().request().getHeader("x-api-key");
        String bearer = ex.ctx().request().getHeader("authorization");
        if ((key == null || key.isBlank()) && (bearer == null || !bearer.startsWith("Bearer "))) {
            throw new NativeError(401, Replies.write(errorBody("authentication_error", "x-api-key header is required")),
                    Map.of("request-id", AnthropicDialect.requestId(ex), "x-should-retry", "false"));
        }
        if (ex.ctx().request().getHeader("anthropic-version") == null) {
            throw new NativeError(400, Replies.write(errorBody("invalid_request_error",
                    "anthropic-version: header is required")),
                    Map.of("request-id", AnthropicDialect.requestId(ex), "x-should-retry", "false"));
        }
        return parse(body, d);
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        SimModel model = Fields.model(body, SimModel.Kind.CHAT, "/v1/messages");
        JsonNode max = body.get("max_tokens");
        if (max == null || max.isNull()) throw SimError.at(ErrorKind.INVALID_VALUE, "max_tokens", "why", "Field required");
        if (!max.canConvertToInt() || max.asInt() < 1) throw Fields.invalid("max_tokens", "must be at least 1");
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw SimError.at(ErrorKind.INVALID_VALUE, "messages", "why", "at least one message is required");
        }
        List<String> seedParts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        seedParts.add(model.id());
        String system = Fields.textOf(body.get("system"));
        if (!system.isEmpty()) texts.add(system);
        boolean lastIsToolResult = false;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw Fields.invalid("messages", "role must be 'user' or 'assistant', got '" + role + "'");
            }
            String text = Fields.textOf(m.get("content"));
            seedParts.add(role);
            seedParts.add(text);
            texts.add(text);
            lastIsToolResult = false;
            for (JsonNode block : m.path("content")) {
                if ("tool_result".equals(block.path("type").asText())) lastIsToolResult = true;
            }
        }
        int prompt = Tokens.prompt(model, texts);
        int maxTokens = Math.min(max.asInt(), model.maxOutputTokens());
        if (prompt > model.contextWindow()) {
            throw new NativeError(400, Replies.write(errorBody("invalid_request_error", "prompt is too long: "
                    + prompt + " tokens > " + model.contextWindow() + " maximum")), Map.of("x-should-retry", "false"));
        }
        JsonNode tools = body.path("tools");
        JsonNode tool = tools.isArray() && !tools.isEmpty() && !lastIsToolResult
                && !"none".equals(body.path("tool_choice").path("type").asText()) ? tools.get(0) : null;
        return new Call(model, TextGen.seed(seedParts), prompt, maxTokens, body.path("stream").asBoolean(false), tool);
    }

    static ObjectNode errorBody(String type, String message) {
        ObjectNode root = Replies.object().put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        return root;
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        ex.response().putHeader("request-id", AnthropicDialect.requestId(ex));
        ex.response().putHeader("anthropic-ratelimit-requests-limit", "1000");
        ex.response().putHeader("anthropic-ratelimit-requests-remaining", "999");
        ex.response().putHeader("anthropic-ratelimit-requests-reset", resetIn(60));
        ex.response().putHeader("anthropic-ratelimit-tokens-limit", "400000");
        ex.response().putHeader("anthropic-ratelimit-tokens-remaining", "399000");
        ex.response().putHeader("anthropic-ratelimit-tokens-reset", resetIn(60));
        String id = "msg_" + ex.requestId().substring(4, 28);
        if (call.tool() != null) {
            toolAnswer(ex, call, d, id);
            return;
        }
        Completion c = Completion.plan(call.model(), call.seed(), call.promptTokens(), call.maxTokens(), d,
                call.stream());
        String stop = c.truncated() ? "max_tokens" : "end_turn";
        if (!call.stream()) {
            ObjectNode root = message(id, call.model().id());
            root.withArray("content").addObject().put("type", "text").put("text", c.text());
            root.put("stop_reason", stop).putNull("stop_sequence");
            usage(root.putObject("usage"), c.promptTokens(), c.completionTokens());
            Replies.json(ex, 200, root);
            return;
        }
        new SseStream(ex, new Script(id, call, "text", null, stop, c.promptTokens(), c.completionTokens(), d),
                c.pieces(), d, defaultTps).start();
    }

    private void toolAnswer(Exchange ex, Call call, Directives d, String id) {
        String toolId = "toolu_" + ex.requestId().substring(4, 28);
        String name = call.tool().path("name").asText();
        if (!call.stream()) {
            ObjectNode root = message(id, call.model().id());
            ObjectNode block = root.withArray("content").addObject().put("type", "tool_use").put("id", toolId)
                    .put("name", name);
            block.putObject("input").put("query", "sim");
            root.put("stop_reason", "tool_use").putNull("stop_sequence");
            usage(root.putObject("usage"), call.promptTokens(), 12);
            Replies.json(ex, 200, root);
            return;
        }
        List<String> pieces = List.of("{\"query\"", ": \"sim\"}");
        new SseStream(ex, new Script(id, call, "tool_use", toolId + "\u0000" + name, "tool_use", call.promptTokens(), 12,
                d), pieces, d, defaultTps).start();
    }

    private static ObjectNode message(String id, String model) {
        ObjectNode root = Replies.object().put("id", id).put("type", "message").put("role", "assistant")
                .put("model", model);
        root.putArray("content");
        return root;
    }

    private static void usage(ObjectNode u, int input, int output) {
        u.put("input_tokens", input).put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0)
                .put("output_tokens", output);
    }

    /** An RFC 3339 instant {@code seconds} from now, as Anthropic's reset headers carry. */
    static String resetIn(int seconds) {
        return Instant.now().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Anthropic's event sequence; {@code kind} text or tool_use ({@code tool} = id NUL name). */
    private record Script(String id, Call call, String kind, String tool, String stopReason, int input, int output,
                          Directives d) implements SseStream.Script {

        private static String event(String name, ObjectNode data) {
            return "event: " + name + "\ndata: " + Replies.write(data) + "\n\n";
        }

        @Override
        public String opening() {
            ObjectNode start = Replies.object().put("type", "message_start");
            ObjectNode msg = message(id, call.model().id());
            msg.putNull("stop_reason").putNull("stop_sequence");
            usage(msg.putObject("usage"), input, 1);
            start.set("message", msg);
            ObjectNode blockStart = Replies.object().put("type", "content_block_start").put("index", 0);
            if (kind.equals("text")) {
                blockStart.putObject("content_block").put("type", "text").put("text", "");
            } else {
                String[] t = tool.split("\u0000");
                ObjectNode b = blockStart.putObject("content_block").put("type", "tool_use").put("id", t[0])
                        .put("name", t[1]);
                b.putObject("input");
            }
            return event("message_start", start) + event("content_block_start", blockStart)
                    + event("ping", Replies.object().put("type", "ping"));
        }

        @Override
        public String token(int index, String piece) {
            ObjectNode ev = Replies.object().put("type", "content_block_delta").put("index", 0);
            if (kind.equals("text")) ev.putObject("delta").put("type", "text_delta").put("text", piece);
            else ev.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
            return event("content_block_delta", ev);
        }

        @Override
        public String closing() {
            ObjectNode delta = Replies.object().put("type", "message_delta");
            delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
            delta.putObject("usage").put("output_tokens", output);
            return event("content_block_stop", Replies.object().put("type", "content_block_stop").put("index", 0))
                    + event("message_delta", delta) + event("message_stop", Replies.object().put("type", "message_stop"));
        }

        @Override
        public String failure(ApiError error) {
            AnthropicDialect.Row row = d.error() != null ? AnthropicDialect.Row.of(d, -1) : AnthropicDialect.Row.OVERLOADED;
            return event("error", row.body(null));
        }

        @Override
        public String malformed() {
            return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":\n\n";
        }
    }
}
