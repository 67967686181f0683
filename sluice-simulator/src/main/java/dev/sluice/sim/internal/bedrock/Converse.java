package dev.sluice.sim.internal.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.SimModels;
import dev.sluice.sim.internal.Completion;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Endpoint;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.SimTools;
import dev.sluice.sim.internal.TextGen;
import dev.sluice.sim.internal.Tokens;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code Converse} and {@code ConverseStream}: Bedrock's message shapes around the simulator's deterministic text.
 * A request with {@code toolConfig.tools} whose last message holds no {@code toolResult} is answered with a
 * {@code toolUse} block ({@code stopReason: tool_use}, see {@link SimTools}); a {@code cachePoint} block in the request
 * reports half the prompt as {@code cacheReadInputTokens}.
 */
final class Converse implements Endpoint<Converse.Call> {

    record Call(SimModel model, boolean stream, long seed, int promptTokens, int maxTokens, ObjectNode toolUse,
                int cachedTokens) implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }
    }

    private final boolean stream;
    private final int defaultTps;

    Converse(boolean stream, int defaultTps) {
        this.stream = stream;
        this.defaultTps = defaultTps;
    }

    /** Requests must be signed (shape only: signatures are not verified) or carry a Bedrock API key. */
    static void checkAuthorization(RoutingContext ctx) {
        String auth = ctx.request().getHeader("authorization");
        if (auth == null || auth.isBlank()) {
            throw new dev.sluice.sim.internal.SimError(403, new dev.sluice.protocol.ApiError(
                    "Missing Authentication Token", "MissingAuthenticationTokenException", null, null));
        }
        boolean sigV4 = auth.startsWith("AWS4-HMAC-SHA256 Credential=") && auth.contains("/bedrock/aws4_request")
                && auth.contains("SignedHeaders=") && auth.contains("Signature=")
                && ctx.request().getHeader("x-amz-date") != null;
        if (!sigV4 && !auth.startsWith("Bearer ")) {
            throw new dev.sluice.sim.internal.SimError(403, new dev.sluice.protocol.ApiError(
                    "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters for "
                            + "service bedrock.", "IncompleteSignatureException", null, null));
        }
    }

    static SimModel model(RoutingContext ctx, SimModel.Kind kind) {
        String id = ctx.pathParam("modelId");
        SimModel m = SimModels.find(id).orElseThrow(() -> BedrockErrors.validation(
                "The provided model identifier is invalid."));
        if (m.kind() != kind) {
            throw BedrockErrors.validation("The provided model doesn't support "
                    + (kind == SimModel.Kind.CHAT ? "the Converse API." : "embeddings."));
        }
        return m;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        throw new UnsupportedOperationException("the model comes from the path");
    }

    @Override
    public Call parse(Exchange ex, JsonNode body, Directives d) {
        BedrockErrors.NAMES.resolve(d.error()); // an unknown error= is a 400 before anything else
        RoutingContext ctx = ex.ctx();
        checkAuthorization(ctx);
        SimModel model = model(ctx, SimModel.Kind.CHAT);
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw BedrockErrors.validation("1 validation error detected: Value null at 'messages' failed to satisfy "
                    + "constraint: Member must not be null");
        }
        List<String> texts = new ArrayList<>();
        List<String> seedParts = new ArrayList<>(List.of(model.id()));
        boolean cachePoint = false;
        for (JsonNode s : body.path("system")) {
            texts.add(s.path("text").asText(""));
            cachePoint |= s.has("cachePoint");
        }
        JsonNode last = null;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw BedrockErrors.validation("1 validation error detected: Value '" + role + "' at 'messages.role' "
                        + "failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]");
            }
            StringBuilder sb = new StringBuilder();
            for (JsonNode b : m.path("content")) {
                if (b.has("text")) sb.append(b.path("text").asText(""));
                else if (b.has("toolUse")) sb.append(b.get("toolUse").toString());
                else if (b.has("toolResult")) sb.append(b.get("toolResult").toString());
                cachePoint |= b.has("cachePoint");
            }
            texts.add(sb.toString());
            seedParts.add(role);
            seedParts.add(sb.toString());
            last = m;
        }
        int maxTokens = -1;
        JsonNode cfg = body.path("inferenceConfig");
        if (cfg.has("maxTokens")) {
            int v = cfg.path("maxTokens").asInt(0);
            if (v < 1) throw BedrockErrors.of(BedrockErrors.Row.ValidationException);
            if (v > model.maxOutputTokens()) {
                throw BedrockErrors.validation("The maximum tokens you requested exceeds the model limit of "
                        + model.maxOutputTokens() + ". Try again with a maximum tokens value that is lower than "
                        + model.maxOutputTokens() + ".");
            }
            maxTokens = v;
        }
        int prompt = Tokens.prompt(model, texts);
        if (prompt > model.contextWindow()) throw BedrockErrors.of(BedrockErrors.Row.InputTooLong);
        ObjectNode toolUse = null;
        JsonNode spec = firstTool(body.path("toolConfig").path("tools"));
        if (spec != null && !hasToolResult(last)) {
            String name = spec.path("name").asText();
            toolUse = Replies.object().put("toolUseId", "tooluse_" + Long.toHexString(TextGen.seed(seedParts)))
                    .put("name", name);
            toolUse.set("input", SimTools.arguments(spec.path("inputSchema").path("json")));
        }
        return new Call(model, stream, TextGen.seed(seedParts), prompt, maxTokens, toolUse,
                cachePoint ? prompt / 2 : 0);
    }

    private static JsonNode firstTool(JsonNode tools) {
        for (JsonNode t : tools) if (t.has("toolSpec")) return t.get("toolSpec");
        return null;
    }

    private static boolean hasToolResult(JsonNode message) {
        if (message == null) return false;
        for (JsonNode b : message.path("content")) if (b.has("toolResult")) return true;
        return false;
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        Completion c = Completion.plan(call.model(), call.seed(), call.promptTokens(), call.maxTokens(), d,
                call.stream());
        ex.response().putHeader(BedrockErrors.REQUEST_ID, BedrockErrors.requestId(ex));
        if (call.stream()) {
            new EventStreamWriter(ex, call, c, d, defaultTps).start();
            return;
        }
        ObjectNode root = Replies.object();
        ObjectNode message = root.putObject("output").putObject("message").put("role", "assistant");
        ArrayNode content = message.putArray("content");
        if (call.toolUse() != null) content.addObject().set("toolUse", call.toolUse());
        else content.addObject().put("text", c.text());
        root.put("stopReason", stopReason(call, c));
        root.set("usage", usage(call, outputTokens(call, c)));
        root.putObject("metrics").put("latencyMs", 1);
        Replies.json(ex, 200, root);
    }

    static String stopReason(Call call, Completion c) {
        if (call.toolUse() != null) return "tool_use";
        return c.truncated() ? "max_tokens" : "end_turn";
    }

    static int outputTokens(Call call, Completion c) {
        return call.toolUse() != null ? Tokens.count(call.model(), call.toolUse().path("input").toString())
                : c.completionTokens();
    }

    static ObjectNode usage(Call call, int output) {
        // like Anthropic models on Bedrock: inputTokens excludes what was read from the prompt cache
        ObjectNode u = Replies.object().put("inputTokens", call.promptTokens() - call.cachedTokens())
                .put("outputTokens", output)
                .put("totalTokens", call.promptTokens() + output);
        if (call.cachedTokens() > 0) u.put("cacheReadInputTokens", call.cachedTokens()).put("cacheWriteInputTokens", 0);
        return u;
    }
}
