package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimModel;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/embeddings}: a string or an array of strings; {@code dimensions} shortens the vectors and
 * {@code encoding_format: "base64"} (what openai-python asks for by default) packs them as little-endian float32.
 */
public final class Embeddings implements Endpoint<Embeddings.Call> {
    private static final int MAX_INPUTS = 2048;

    public record Call(SimModel model, List<String> inputs, int promptTokens, int dimensions, boolean base64)
            implements SimCall {
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

    public Embeddings(int maxDimensions) {
        this.maxDimensions = maxDimensions;
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        SimModel model = Fields.model(body, SimModel.Kind.EMBEDDINGS, "/v1/embeddings");
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw SimError.at(ErrorKind.MISSING_PARAMETER, "input");
        List<String> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (input.isArray()) {
            if (input.isEmpty()) throw Fields.invalid("input", "empty array. Expected at least one string");
            if (input.size() > MAX_INPUTS) {
                throw Fields.invalid("input", "array too long. Expected at most " + MAX_INPUTS + " strings, but got "
                        + input.size() + " instead");
            }
            for (JsonNode s : input) {
                if (!s.isTextual()) throw Fields.wrongType("input", "a string or an array of strings", s);
                inputs.add(s.asText());
            }
        } else {
            throw Fields.wrongType("input", "a string or an array of strings", input);
        }
        int total = 0;
        for (String s : inputs) {
            if (s.isEmpty()) throw Fields.invalid("input", "empty string. Expected a non-empty string");
            int n = Tokens.count(model, s);
            Fields.checkContext(model, n, -1, "input");
            total += n;
        }
        int dims = Fields.optionalInt(body, "dimensions", 1, maxDimensions);
        String format = Fields.optionalString(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw Fields.invalid("encoding_format", "expected 'float' or 'base64', but got '" + format + "'");
        }
        return new Call(model, inputs, total, dims > 0 ? dims : maxDimensions, format.equals("base64"));
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        ObjectNode root = Replies.object().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < call.inputs().size(); i++) {
            float[] v = Embedder.embed(call.model().id(), call.inputs().get(i), call.dimensions());
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (call.base64()) {
                item.put("embedding", Embedder.base64(v));
            } else {
                ArrayNode arr = item.putArray("embedding");
                for (float f : v) arr.add(f);
            }
        }
        root.put("model", call.model().id());
        root.putObject("usage").put("prompt_tokens", call.promptTokens()).put("total_tokens", call.promptTokens());
        Replies.json(ex, 200, root);
    }
}
