package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.SseEvent;
import dev.sluice.sim.SimModel;

import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/chat/completions}, whole or streamed as {@code chat.completion.chunk} events. */
public final class ChatCompletions implements Endpoint<ChatCompletions.Call> {

    public record Call(SimModel model, long seed, int promptTokens, int maxTokens, boolean stream, boolean includeUsage)
            implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }
    }

    private final int defaultTps;

    public ChatCompletions(int defaultTps) {
        this.defaultTps = defaultTps;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        SimModel model = Fields.model(body, SimModel.Kind.CHAT, "/v1/chat/completions");
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) throw SimError.at(ErrorKind.MISSING_PARAMETER, "messages");
        if (!messages.isArray()) throw Fields.wrongType("messages", "an array", messages);
        if (messages.isEmpty()) {
            throw Fields.invalid("messages", "empty array. Expected an array with minimum length 1, but got an "
                    + "empty array instead");
        }
        List<String> seedParts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        seedParts.add(model.id());
        for (JsonNode m : messages) {
            if (!m.isObject()) throw Fields.wrongType("messages", "an array of objects", m);
            String text = Fields.textOf(m.get("content"));
            seedParts.add(m.path("role").asText(""));
            seedParts.add(text);
            texts.add(text);
        }
        int maxTokens = maxTokens(body, model);
        int prompt = Tokens.prompt(model, texts);
        Fields.checkContext(model, prompt, maxTokens, "messages");
        boolean stream = Fields.optionalBool(body, "stream");
        JsonNode options = body.path("stream_options");
        boolean includeUsage = options.isObject() && Fields.optionalBool(options, "include_usage");
        return new Call(model, TextGen.seed(seedParts), prompt, maxTokens, stream, includeUsage);
    }

    private static int maxTokens(JsonNode body, SimModel model) {
        for (String name : new String[] {"max_completion_tokens", "max_tokens"}) {
            int v = Fields.optionalInt(body, name, 1, Integer.MAX_VALUE);
            if (v > model.maxOutputTokens()) {
                throw Fields.invalid(name, name + " is too large: " + v + ". This model supports at most "
                        + model.maxOutputTokens() + " completion tokens");
            }
            if (v > 0) return v;
        }
        return -1;
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        Completion c = Completion.plan(call.model(), call.seed(), call.promptTokens(), call.maxTokens(), d,
                call.stream());
        String id = "chatcmpl-" + ex.requestId().substring(4);
        long created = System.currentTimeMillis() / 1000;
        if (!call.stream()) {
            ObjectNode root = head(id, "chat.completion", created, call.model().id());
            ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", c.text()).putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(c));
            usage(root.putObject("usage"), c);
            Replies.json(ex, 200, root);
            return;
        }
        new SseStream(ex, new Script(id, created, call, c), c.pieces(), d, defaultTps).start();
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode root = Replies.object();
        root.put("id", id).put("object", object).put("created", created).put("model", model)
                .put("system_fingerprint", "fp_sluice_sim");
        return root;
    }

    private static String finishReason(Completion c) {
        return c.truncated() ? "length" : "stop";
    }

    private static void usage(ObjectNode u, Completion c) {
        u.put("prompt_tokens", c.promptTokens())
                .put("completion_tokens", c.completionTokens())
                .put("total_tokens", c.totalTokens());
    }

    /** Chunks as OpenAI sends them: role first, a chunk per token, the finish reason, optional usage, [DONE]. */
    private record Script(String id, long created, Call call, Completion completion) implements SseStream.Script {

        private ObjectNode chunk() {
            ObjectNode root = head(id, "chat.completion.chunk", created, call.model().id());
            if (call.includeUsage()) root.putNull("usage");
            return root;
        }

        private String chunkWithChoice(ObjectNode delta, String finishReason) {
            ObjectNode root = chunk();
            ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) choice.putNull("finish_reason");
            else choice.put("finish_reason", finishReason);
            return SseEvent.data(Replies.write(root)).encode();
        }

        @Override
        public String opening() {
            return chunkWithChoice(Replies.object().put("role", "assistant").put("content", "").putNull("refusal"),
                    null);
        }

        @Override
        public String token(int index, String piece) {
            return chunkWithChoice(Replies.object().put("content", piece), null);
        }

        @Override
        public String closing() {
            StringBuilder out = new StringBuilder(chunkWithChoice(Replies.object(), finishReason(completion)));
            if (call.includeUsage()) {
                ObjectNode root = chunk();
                root.putArray("choices");
                usage(root.putObject("usage"), completion);
                out.append(SseEvent.data(Replies.write(root)).encode());
            }
            return out.append(SseEvent.data("[DONE]").encode()).toString();
        }

        @Override
        public String failure(ApiError error) {
            return SseEvent.data(error.toJson()).encode();
        }

        @Override
        public String malformed() {
            return SseEvent.data("{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":"
                    + "{\"content\":").encode();
        }
    }
}
