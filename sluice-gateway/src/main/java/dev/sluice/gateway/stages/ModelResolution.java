package dev.sluice.gateway.stages;

import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Finds the requested model in the catalogue (404 model_not_found) and refuses a model of the wrong modality for the
 * endpoint (an embeddings model on chat completions is a 400 on {@code model}).
 */
public final class ModelResolution implements Stage {
    private final ModelCatalog catalog;

    public ModelResolution(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public StageOrder order() {
        return StageOrder.MODEL_RESOLUTION;
    }

    @Override
    public Future<Void> apply(Exchange ex, Chain next) {
        if (!ex.endpoint().modelRequest()) return next.proceed(ex);
        ModelSpec model = catalog.find(ex.modelId())
                .orElseThrow(() -> ApiException.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", ex.modelId()));
        Modality needed = switch (ex.endpoint()) {
            case EMBEDDINGS -> Modality.EMBEDDINGS;
            case IMAGES -> Modality.IMAGES;
            default -> Modality.CHAT;
        };
        if (model.modality() != needed) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "model", "why", "'" + model.id() + "' is "
                    + article(model.modality()) + " model and cannot be used with " + route(ex.endpoint()));
        }
        ex.model(model);
        return next.proceed(ex);
    }

    private static String article(Modality m) {
        return switch (m) {
            case CHAT -> "a chat";
            case EMBEDDINGS -> "an embeddings";
            case IMAGES -> "an image";
        };
    }

    private static String route(Endpoint e) {
        return e.route();
    }
}
