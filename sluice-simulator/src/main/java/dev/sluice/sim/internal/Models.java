package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.sim.SimModel;
import dev.sluice.sim.SimModels;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}} from the fixed catalogue. */
final class Models {
    private Models() {}

    static ObjectNode list() {
        ObjectNode root = Replies.object().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (SimModel m : SimModels.all()) data.add(model(m));
        return root;
    }

    static ObjectNode get(String id) {
        return model(SimModels.find(id)
                .orElseThrow(() -> SimError.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", id)));
    }

    private static ObjectNode model(SimModel m) {
        return Replies.object().put("id", m.id()).put("object", "model").put("created", SimModels.CREATED)
                .put("owned_by", SimModels.OWNED_BY);
    }
}
