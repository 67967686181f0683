package dev.sluice.gateway.stages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;

import java.util.Optional;

/**
 * Switching a request to another model of the catalogue: shared by {@link ContextWindow} (a prompt too long for the
 * model, before any limit is charged) and {@link ModelFallback} (after the upstream failed), so neither stage depends
 * on the other.
 */
final class ModelSwitch {
    /** Response header naming the model that served instead of the requested one. */
    static final String HEADER = "x-sluice-fallback-model";

    private ModelSwitch() {}

    /**
     * A model of {@code model}'s {@code context_window_fallbacks} whose window holds {@code needed} tokens, when
     * Sluice's own count says the prompt does not fit {@code model}; switched to at once, so limits and quota are
     * checked for it.
     */
    static Optional<ModelSpec> forContext(ModelCatalog catalog, Exchange ex, int needed) {
        for (String id : ex.model().contextWindowFallbacks()) {
            Optional<ModelSpec> m = catalog.find(id)
                    .filter(s -> s.modality() == ex.model().modality() && s.contextWindow() >= needed);
            if (m.isPresent()) {
                switchTo(ex, m.get());
                return m;
            }
        }
        return Optional.empty();
    }

    /** The exchange now asks for {@code model}: its id in the body, the header, and a clean error state. */
    static void switchTo(Exchange ex, ModelSpec model) {
        ex.model(model);
        ex.modelId(model.id());
        if (ex.json() != null) {
            ObjectNode copy = ex.json().deepCopy();
            copy.put("model", model.id());
            ex.json(copy);
            ex.body(Buffer.buffer(copy.toString()));
        }
        ex.responseHeaders().set(HEADER, model.id());
    }
}
