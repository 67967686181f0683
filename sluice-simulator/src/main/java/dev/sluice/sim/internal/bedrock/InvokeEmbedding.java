package dev.sluice.sim.internal.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.internal.Directives;
import dev.sluice.sim.internal.Embedder;
import dev.sluice.sim.internal.Exchange;
import dev.sluice.sim.internal.Endpoint;
import dev.sluice.sim.internal.Replies;
import dev.sluice.sim.internal.SimCall;
import dev.sluice.sim.internal.Tokens;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code InvokeModel} for embedding models in the Amazon Titan Text Embeddings V2 shape:
 * {@code {"inputText", "dimensions"}} → {@code {"embedding": [...], "inputTextTokenCount": n}}.
 */
final class InvokeEmbedding implements Endpoint<InvokeEmbedding.Call> {

    record Call(SimModel model, String text, int tokens, int dimensions) implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }

        @Override
        public boolean stream() {
            return false;
        }
    }

    private final int maxDimensions;

    InvokeEmbedding(int maxDimensions) {
        this.maxDimensions = maxDimensions;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        throw new UnsupportedOperationException("the model comes from the path");
    }

    @Override
    public Call parse(Exchange ex, JsonNode body, Directives d) {
        BedrockErrors.NAMES.resolve(d.error()); // an unknown error= is a 400 before anything else
        RoutingContext ctx = ex.ctx();
        Converse.checkAuthorization(ctx);
        SimModel model = Converse.model(ctx, SimModel.Kind.EMBEDDINGS);
        JsonNode text = body.path("inputText");
        if (!text.isTextual() || text.asText().isEmpty()) {
            throw BedrockErrors.validation("Malformed input request: #: required key [inputText] not found, please "
                    + "reformat your input and try again.");
        }
        int tokens = Tokens.count(model, text.asText());
        if (tokens > model.contextWindow()) throw BedrockErrors.of(BedrockErrors.Row.InputTooLong);
        int dims = body.path("dimensions").asInt(maxDimensions);
        if (dims < 1 || dims > maxDimensions) {
            throw BedrockErrors.validation("Malformed input request: #/dimensions: " + dims + " is not a valid "
                    + "enum value, please reformat your input and try again.");
        }
        return new Call(model, text.asText(), tokens, dims);
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        ex.response().putHeader(BedrockErrors.REQUEST_ID, BedrockErrors.requestId(ex));
        ObjectNode root = Replies.object();
        ArrayNode v = root.putArray("embedding");
        for (float f : Embedder.embed(call.model().id(), call.text(), call.dimensions())) v.add(f);
        root.put("inputTextTokenCount", call.tokens());
        Replies.json(ex, 200, root);
    }
}
