package dev.sluice.gateway.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.models.TokenCounter;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Counts prompt tokens with the model's tokenizer and refuses prompts that, with the requested output, exceed the
 * context window (400 context_length_exceeded), or an output cap above the model's. Large bodies are counted on a
 * worker thread so a 100k-token prompt does not stall the event loop. The counts feed limits and usage later.
 */
public final class ContextWindow implements Stage {
    /** Above this many body bytes, counting moves off the event loop. */
    private static final int INLINE_COUNT_LIMIT = 64 * 1024;
    private static final String[] OUTPUT_PARAMS = {"max_completion_tokens", "max_tokens", "max_output_tokens"};
    private final TokenCounter tokens;
    private final ModelCatalog catalog;

    public ContextWindow(TokenCounter tokens, ModelCatalog catalog) {
        this.tokens = tokens;
        this.catalog = catalog;
    }

    @Override
    public StageOrder order() {
        return StageOrder.CONTEXT_WINDOW;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (ex.model() == null) return next.proceed(ex);
        if (ex.body().length() > INLINE_COUNT_LIMIT) {
            return ex.<Integer>blocking(() -> count(ex)).compose(n -> check(ex, n, next));
        }
        return check(ex, count(ex), next);
    }

    private int count(Exchange ex) {
        ModelSpec m = ex.model();
        ObjectNode body = ex.json();
        return switch (ex.endpoint()) {
            case CHAT_COMPLETIONS -> tokens.countMessages(m.tokenizer(), body.get("messages"));
            case RESPONSES -> tokens.countInput(m.tokenizer(), body.get("input"))
                    + tokens.countText(m.tokenizer(), body.path("instructions").asText(""));
            case EMBEDDINGS -> tokens.countInput(m.tokenizer(), body.get("input"));
            case IMAGES -> tokens.countText(m.tokenizer(), body.path("prompt").asText(""));
            default -> 0;
        };
    }

    private Future<Answer> check(Exchange ex, int prompt, Chain next) {
        ModelSpec m = ex.model();
        ex.promptTokens(prompt);
        String outParam = outputParam(ex.json());
        int requested = outParam == null ? 0 : ex.json().get(outParam).asInt();
        if (outParam != null && m.maxOutputTokens() > 0 && requested > m.maxOutputTokens()) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, outParam, "why", "this model supports at most "
                    + m.maxOutputTokens() + " output tokens, but " + requested + " were requested");
        }
        ex.maxOutputTokens(outParam == null ? m.maxOutputTokens() : requested);
        if (prompt + requested > m.contextWindow()
                && ModelSwitch.forContext(catalog, ex, prompt + requested).isPresent()) {
            return check(ex, prompt, next); // the larger model's limits apply from here on
        }
        if (prompt + requested > m.contextWindow()) {
            String completion = requested == 0 ? "" : " plus " + requested + " requested for the completion ("
                    + (prompt + requested) + " in total)";
            String param = ex.json().has("messages") ? "messages" : "input";
            if (ex.endpoint() == dev.sluice.gateway.pipeline.Endpoint.IMAGES) param = "prompt";
            throw ApiException.at(ErrorKind.CONTEXT_LENGTH_EXCEEDED, param, "max",
                    String.valueOf(m.contextWindow()), "n", String.valueOf(prompt), "completion", completion);
        }
        return next.proceed(ex);
    }

    /** The body parameter that caps output length, if the caller set one. */
    private static String outputParam(JsonNode body) {
        for (String p : OUTPUT_PARAMS) {
            JsonNode v = body.get(p);
            if (v != null && !v.isNull()) return p;
        }
        return null;
    }
}
