package dev.sluice.sim.internal.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.SseEvent;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.SimModels;
import dev.sluice.sim.internal.Completion;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Embedder;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Endpoint;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimTools;
import dev.sluice.sim.internal.SseStream;
import dev.sluice.sim.internal.TextGen;
import dev.sluice.sim.internal.Tokens;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every Gemini method on one route: {@code generateContent}, {@code streamGenerateContent} (SSE with
 * {@code alt=sse}), {@code embedContent} and {@code batchEmbedContents}. Text, usage and embeddings come from the same
 * deterministic generators as the OpenAI routes; a request with {@code functionDeclarations} whose last turn is not
 * a {@code functionResponse} is answered with a {@code functionCall} (see {@link SimTools}).
 */
final class GenerateContent implements Endpoint<GenerateContent.Call> {
    private static final Pattern PATH = Pattern.compile(GeminiFlavor.PATH);

    enum Method { GENERATE, STREAM, EMBED, BATCH_EMBED }

    record Call(SimModel model, Method method, long seed, int promptTokens, int maxTokens, JsonNode toolCall,
                int cachedTokens, List<String> embedTexts, int dimensions) implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }

        @Override
        public boolean stream() {
            return method == Method.STREAM;
        }
    }

    private final int defaultTps;
    private final int maxDimensions;

    GenerateContent(int defaultTps, int maxDimensions) {
        this.defaultTps = defaultTps;
        this.maxDimensions = maxDimensions;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        throw new UnsupportedOperationException("the model and method come from the path");
    }

    @Override
    public Call parse(Exchange ex, JsonNode body, Directives d) {
        GeminiErrors.NAMES.resolve(d.error()); // an unknown error= is a 400 before anything else
        Matcher m = PATH.matcher(ex.ctx().request().path());
        if (!m.matches()) throw GeminiErrors.notFound("unknown");
        String modelId = m.group(1);
        Method method = switch (m.group(2)) {
            case "generateContent" -> Method.GENERATE;
            case "streamGenerateContent" -> Method.STREAM;
            case "embedContent" -> Method.EMBED;
            case "batchEmbedContents" -> Method.BATCH_EMBED;
            default -> throw GeminiErrors.notFound(modelId);
        };
        SimModel model = SimModels.find(modelId).orElseThrow(() -> GeminiErrors.notFound(modelId));
        boolean embedding = method == Method.EMBED || method == Method.BATCH_EMBED;
        if (model.kind() != (embedding ? SimModel.Kind.EMBEDDINGS : SimModel.Kind.CHAT)) {
            throw GeminiErrors.notFound(modelId);
        }
        return embedding ? embed(model, method, body) : generate(model, method, body);
    }

    private Call generate(SimModel model, Method method, JsonNode body) {
        JsonNode contents = body.path("contents");
        if (!contents.isArray() || contents.isEmpty()) {
            throw GeminiErrors.invalidArgument("* GenerateContentRequest.contents: contents is not specified\n");
        }
        List<String> texts = new ArrayList<>();
        List<String> seedParts = new ArrayList<>(List.of(model.id()));
        JsonNode system = body.path("systemInstruction").path("parts");
        for (JsonNode p : system) texts.add(partText(p));
        JsonNode last = null;
        for (JsonNode c : contents) {
            String role = c.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                throw GeminiErrors.invalidArgument("Please use a valid role: user, model.");
            }
            if (!c.path("parts").isArray() || c.path("parts").isEmpty()) {
                throw GeminiErrors.invalidArgument("* GenerateContentRequest.contents.parts: contents.parts must "
                        + "not be empty.\n");
            }
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : c.path("parts")) sb.append(partText(p));
            texts.add(sb.toString());
            seedParts.add(role);
            seedParts.add(sb.toString());
            last = c;
        }
        JsonNode config = body.path("generationConfig");
        int maxTokens = -1;
        if (config.has("maxOutputTokens")) {
            JsonNode v = config.get("maxOutputTokens");
            if (!v.isIntegralNumber() || v.asInt() < 1) {
                throw GeminiErrors.invalidArgument("* GenerateContentRequest.generation_config.max_output_tokens: "
                        + "max_output_tokens must be positive.\n");
            }
            maxTokens = Math.min(v.asInt(), model.maxOutputTokens());
        }
        int prompt = Tokens.prompt(model, texts);
        if (prompt > model.contextWindow()) {
            throw GeminiErrors.invalidArgument("The input token count (" + prompt + ") exceeds the maximum number of "
                    + "tokens allowed (" + model.contextWindow() + ").");
        }
        JsonNode toolCall = null;
        JsonNode declarations = firstDeclaration(body.path("tools"));
        if (declarations != null && !hasFunctionResponse(last)) {
            toolCall = Replies.object().put("name", declarations.path("name").asText())
                    .set("args", SimTools.arguments(declarations.path("parameters")));
        }
        int cached = body.hasNonNull("cachedContent") ? prompt / 2 : 0;
        return new Call(model, method, TextGen.seed(seedParts), prompt, maxTokens, toolCall, cached, List.of(), 0);
    }

    private Call embed(SimModel model, Method method, JsonNode body) {
        List<JsonNode> requests = new ArrayList<>();
        if (method == Method.EMBED) {
            requests.add(body);
        } else {
            JsonNode reqs = body.path("requests");
            if (!reqs.isArray() || reqs.isEmpty()) {
                throw GeminiErrors.invalidArgument("* BatchEmbedContentsRequest.requests: requests is not "
                        + "specified\n");
            }
            reqs.forEach(requests::add);
        }
        List<String> texts = new ArrayList<>();
        int dims = -1;
        int total = 0;
        for (JsonNode r : requests) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : r.path("content").path("parts")) sb.append(p.path("text").asText(""));
            if (sb.isEmpty()) {
                throw GeminiErrors.invalidArgument("* EmbedContentRequest.content: contents is not specified\n");
            }
            int n = Tokens.count(model, sb.toString());
            if (n > model.contextWindow()) {
                throw GeminiErrors.invalidArgument("The input token count (" + n + ") exceeds the maximum number of "
                        + "tokens allowed (" + model.contextWindow() + ").");
            }
            total += n;
            texts.add(sb.toString());
            if (r.has("outputDimensionality")) dims = r.path("outputDimensionality").asInt(-1);
        }
        if (dims == 0 || dims > maxDimensions) {
            throw GeminiErrors.invalidArgument("* EmbedContentRequest.output_dimensionality: must be between 1 and "
                    + maxDimensions + "\n");
        }
        return new Call(model, method, 0, total, -1, null, 0, texts, dims > 0 ? dims : maxDimensions);
    }

    private static JsonNode firstDeclaration(JsonNode tools) {
        for (JsonNode t : tools) {
            for (JsonNode f : t.path("functionDeclarations")) return f;
        }
        return null;
    }

    private static boolean hasFunctionResponse(JsonNode content) {
        if (content == null) return false;
        for (JsonNode p : content.path("parts")) if (p.has("functionResponse")) return true;
        return false;
    }

    private static String partText(JsonNode p) {
        if (p.has("text")) return p.path("text").asText("");
        if (p.has("functionCall")) return p.get("functionCall").toString();
        if (p.has("functionResponse")) return p.get("functionResponse").toString();
        return "";
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        switch (call.method()) {
            case EMBED, BATCH_EMBED -> Replies.json(ex, 200, embeddings(call));
            case GENERATE -> {
                Completion c = plan(call, d);
                Replies.json(ex, 200, response(call, ex.requestId(), call.toolCall() == null ? c.text() : null,
                        finish(call, c), c));
            }
            case STREAM -> {
                Completion c = plan(call, d);
                new SseStream(ex, new Script(call, ex.requestId(), c, d), call.toolCall() == null ? c.pieces()
                        : List.of(), d, defaultTps).start();
            }
        }
    }

    private static Completion plan(Call call, Directives d) {
        return Completion.plan(call.model(), call.seed(), call.promptTokens(), call.maxTokens(), d, call.stream());
    }

    private static String finish(Call call, Completion c) {
        return call.toolCall() == null && c.truncated() ? "MAX_TOKENS" : "STOP";
    }

    private ObjectNode embeddings(Call call) {
        ObjectNode root = Replies.object();
        List<ObjectNode> vectors = new ArrayList<>();
        for (String t : call.embedTexts()) {
            ObjectNode e = Replies.object();
            ArrayNode values = e.putArray("values");
            for (float f : Embedder.embed(call.model().id(), t, call.dimensions())) values.add(f);
            vectors.add(e);
        }
        if (call.method() == Method.EMBED) root.set("embedding", vectors.getFirst());
        else root.putArray("embeddings").addAll(vectors);
        return root;
    }

    /** A whole answer: text (or the tool call when {@code text} is null), finish reason, usage. */
    private static ObjectNode response(Call call, String requestId, String text, String finishReason, Completion c) {
        ObjectNode root = Replies.object();
        ObjectNode cand = root.putArray("candidates").addObject();
        ObjectNode content = cand.putObject("content");
        ArrayNode parts = content.putArray("parts");
        if (text != null) parts.addObject().put("text", text);
        else parts.addObject().set("functionCall", call.toolCall());
        content.put("role", "model");
        if (finishReason != null) cand.put("finishReason", finishReason);
        cand.put("index", 0);
        usage(root, call, text == null ? toolTokens(call) : c.completionTokens(), finishReason != null);
        root.put("modelVersion", call.model().id()).put("responseId", requestId.substring(4));
        return root;
    }

    private static int toolTokens(Call call) {
        return Tokens.count(call.model(), call.toolCall().toString());
    }

    private static void usage(ObjectNode root, Call call, int completion, boolean complete) {
        ObjectNode u = root.putObject("usageMetadata").put("promptTokenCount", call.promptTokens());
        if (complete) u.put("candidatesTokenCount", completion);
        u.put("totalTokenCount", call.promptTokens() + (complete ? completion : 0));
        if (call.cachedTokens() > 0) u.put("cachedContentTokenCount", call.cachedTokens());
        u.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", call.promptTokens());
    }

    /** The 200 of a safety block: a candidate stopped for SAFETY, or the prompt blocked with no candidate. */
    static ObjectNode blocked(GeminiErrors.Row row, String model, String requestId) {
        ObjectNode root = Replies.object();
        if (row == GeminiErrors.Row.PROMPT_BLOCKED) {
            root.putObject("promptFeedback").put("blockReason", "SAFETY").putArray("safetyRatings").addObject()
                    .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT").put("probability", "HIGH")
                    .put("blocked", true);
        } else {
            ObjectNode cand = root.putArray("candidates").addObject();
            cand.putObject("content").put("role", "model");
            cand.put("finishReason", "SAFETY").put("index", 0);
            cand.putArray("safetyRatings").addObject().put("category", "HARM_CATEGORY_HARASSMENT")
                    .put("probability", "HIGH").put("blocked", true);
        }
        root.putObject("usageMetadata").put("promptTokenCount", 0).put("totalTokenCount", 0);
        root.put("modelVersion", model == null ? "sim-mini" : model).put("responseId", requestId.substring(4));
        return root;
    }

    /** The SSE events: a chunk per token (or one with the function call), the last with finish reason and usage. */
    private record Script(Call call, String requestId, Completion c, Directives d) implements SseStream.Script {
        private static String event(ObjectNode n) {
            return SseEvent.data(Replies.write(n)).encode();
        }

        @Override
        public String opening() {
            if (call.toolCall() != null) return event(response(call, requestId, null, null, c));
            return event(response(call, requestId, "", null, c));
        }

        @Override
        public String token(int index, String piece) {
            return event(response(call, requestId, piece, null, c));
        }

        @Override
        public String closing() {
            if (call.toolCall() != null) {
                ObjectNode last = response(call, requestId, "", "STOP", c);
                last.with("usageMetadata").put("candidatesTokenCount", toolTokens(call))
                        .put("totalTokenCount", call.promptTokens() + toolTokens(call));
                return event(last);
            }
            return event(response(call, requestId, "", finish(call, c), c));
        }

        @Override
        public String failure(ApiError ignored) {
            GeminiErrors.Row row = GeminiErrors.row(d, 500);
            if (row.http == 200) row = GeminiErrors.Row.INTERNAL;
            return event(GeminiErrors.body(row, row.http, call.modelId()));
        }

        @Override
        public String malformed() {
            return SseEvent.data("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": ").encode();
        }
    }
}
