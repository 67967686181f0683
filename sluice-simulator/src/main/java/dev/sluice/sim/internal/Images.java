package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.SimModels;

import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/images/generations}: n tiny PNGs whose colour follows from the prompt, as {@code b64_json}
 * (default) or as a {@code data:} URL for {@code response_format: "url"}, so no image host is needed.
 */
final class Images implements Endpoint<Images.Call> {

    record Call(SimModel model, String prompt, int n, boolean url) implements SimCall {
        @Override
        public String modelId() {
            return model.id();
        }

        @Override
        public boolean stream() {
            return false;
        }
    }

    @Override
    public Call parse(JsonNode body, Directives d) {
        SimModel model = body.hasNonNull("model")
                ? Fields.model(body, SimModel.Kind.IMAGES, "/v1/images/generations") : SimModels.SIM_IMAGE;
        String prompt = Fields.requiredString(body, "prompt");
        if (prompt.isBlank()) throw SimError.at(ErrorKind.MISSING_PARAMETER, "prompt");
        int n = Fields.optionalInt(body, "n", 1, 10);
        String format = Fields.optionalString(body, "response_format", "b64_json");
        if (!format.equals("b64_json") && !format.equals("url")) {
            throw Fields.invalid("response_format", "expected 'b64_json' or 'url', but got '" + format + "'");
        }
        return new Call(model, prompt, n > 0 ? n : 1, format.equals("url"));
    }

    @Override
    public void answer(Exchange ex, Call call, Directives d) {
        ObjectNode root = Replies.object().put("created", System.currentTimeMillis() / 1000);
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < call.n(); i++) {
            long seed = TextGen.seed(List.of("image", call.model().id(), call.prompt(), String.valueOf(i)));
            String b64 = Base64.getEncoder().encodeToString(TinyPng.of(seed));
            ObjectNode item = data.addObject();
            if (call.url()) item.put("url", "data:image/png;base64," + b64);
            else item.put("b64_json", b64);
            item.put("revised_prompt", call.prompt());
        }
        Replies.json(ex, 200, root);
    }
}
